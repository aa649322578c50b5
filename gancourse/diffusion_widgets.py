"""Lecture 11's explorer: a diffusion or flow model's samples as its sampler, step count, guidance and digit change.

A diffusion model has no small latent space to walk: a sample is fixed by its starting noise and
by how the sampler travels from there. So the explorer keeps the noise fixed (a seed; "new noise"
draws the next) and lets the other choices move: DDIM on the DDPM network or Euler on the
flow-matching network, the number of steps, the digit asked for and the guidance weight w. Below
the samples, the path of the first one: its state at eight points along the way, from pure noise
on the left to the digit on the right. The readout counts the network passes the choice costs.
"""

import ipywidgets as widgets
import torch

from . import diffusion, flow_matching, latent
from .models.modes import evaluating
from .widgets import Explorer, _follow, _image, _show, _slider

VALUE_RANGE = (-1, 1)
STEP_CHOICES = (1, 2, 5, 10, 20, 50, 100, 250, 1000)
FRAMES = 8


def render_samples(model, sampler: str, steps: int, guidance: float, digit, n: int = 8, seed: int = 0,
                   schedule: diffusion.NoiseSchedule | None = None) -> tuple:
    """(a row of n samples, the path of the first as FRAMES pictures, network passes) for one set of choices.

    sampler: "DDIM" (`model` predicts the noise; `schedule` is its schedule) or "flow" (`model` predicts the
    velocity). digit None draws unconditionally and ignores the guidance.
    """
    x_start = torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
    labels = None if digit is None else torch.full((n,), int(digit))
    w = None if digit is None else guidance
    with evaluating(model):
        if sampler == "DDIM":
            samples, path = diffusion.ddim_sample(model, schedule, x_start.shape, steps=steps, labels=labels,
                                                  guidance=w, x_T=x_start, trajectory=True, clip=True)
        elif sampler == "flow":
            samples, path = flow_matching.euler_sample(model, x_start.shape, steps=steps, labels=labels, guidance=w,
                                                       x0=x_start, trajectory=True)
        else:
            raise ValueError(f"sampler={sampler!r}: use 'DDIM' or 'flow'.")
    chosen = torch.linspace(0, len(path) - 1, min(FRAMES, len(path))).round().long()
    row = latent.pixels(samples.clamp(*VALUE_RANGE).cpu(), VALUE_RANGE, nrow=n)
    frames = latent.pixels(path[chosen, 0].clamp(*VALUE_RANGE), VALUE_RANGE, nrow=len(chosen))
    return row, frames, steps * (1 if w is None else 2)


def sampler_explorer(ddpm=None, flow=None, schedule: diffusion.NoiseSchedule | None = None, n: int = 8,
                     seed: int = 0) -> Explorer:
    """Steps, guidance, digit and sampler over n samples from one noise; "new noise" draws the next.

    ddpm: a noise-predicting network with its `schedule` (sampled by DDIM); flow: a velocity network (Euler).
    Give either or both; a conditional network (n_classes > 0) enables the digit and the guidance.
    """
    samplers = {name: model for name, model in (("DDIM", ddpm), ("flow", flow)) if model is not None}
    if not samplers:
        raise ValueError("sampler_explorer needs a model: ddpm=... (with schedule=...) or flow=..., or both.")
    if ddpm is not None and schedule is None:
        raise ValueError("DDIM needs the schedule the DDPM network was trained with: schedule=NoiseSchedule.linear().")
    conditional = all(getattr(model, "n_classes", 0) for model in samplers.values())
    state = {"seed": seed}
    steps = widgets.SelectionSlider(options=list(STEP_CHOICES), value=20, description="steps",
                                    layout=widgets.Layout(width="420px"))
    guidance = _slider("guidance w", 0.0, 8.0, 3.0, step=0.5)
    digit = widgets.Dropdown(options=[("any", None)] + [(str(d), d) for d in range(10)] if conditional
                             else [("any", None)], value=None, description="digit")
    # flow first when there is one: its few-step samples are the better first view
    sampler = widgets.ToggleButtons(options=list(samplers), value="flow" if flow is not None else "DDIM",
                                    description="sampler")
    new = widgets.Button(description="new noise")
    image, strip, readout = _image(), _image(), widgets.HTML()

    def frame():
        return render_samples(samplers[sampler.value], sampler.value, steps.value, guidance.value, digit.value, n,
                              state["seed"], schedule)

    def update(_=None):
        row, frames, passes = frame()
        _show(image, row, strip=True)
        _show(strip, frames, strip=True)
        asked = "any digit" if digit.value is None else f"the digit {digit.value}, w = {guidance.value:g}"
        readout.value = (f"{sampler.value}, {steps.value} steps, {asked}: {passes} network passes for these {n} "
                         f"samples (seed {state['seed']}). Below: the first sample's path, noise to digit.")

    def redraw(_):
        state["seed"] += 1
        update()

    render_ms = _follow([steps, guidance, digit, sampler], lambda: frame()[0], update)
    new.on_click(redraw)
    update()
    explorer = Explorer("sampler_explorer", [widgets.HBox([steps, new]), widgets.HBox([guidance, digit]), sampler,
                                             image, strip, readout],
                        {"steps": steps, "guidance": guidance}, {"new": new}, image, readout=readout,
                        render_ms=render_ms)
    # the path is not the explorer's `strip` (the still a page without widgets shows): the samples are
    explorer.path = strip
    return explorer
