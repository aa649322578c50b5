"""Explorers of lecture 9: BigGAN's truncation slider and StyleGAN's style mixing.

The truncation explorer: a row of samples from the same seed, their codes drawn from the normal
truncated at the slider's threshold (`latent.truncated_normal`), so dragging it shows the same
draws pulled towards the centre of the prior. "new samples" moves to the next seed.

The style-mixing explorer: two codes, A and B, and a crossover slider: the middle picture takes
A's styles for the layers before the crossover and B's after it (a generator with `n_styles`
and `generator(z, z2, crossover=k)`, as `models.stylegan.StyleGANGenerator`).

The same parts as the latent explorers: an `Explorer` with `sliders`, `buttons` and PNG frames.
"""

import ipywidgets as widgets
import numpy as np
import torch

from . import latent
from .models.modes import evaluating
from .widgets import Explorer, _follow, _image, _show, _slider

VALUE_RANGE = (-1, 1)


def _style_based(generator):
    """`generator`, once it has styles to mix; otherwise the error that names the fix."""
    if not hasattr(generator, "n_styles"):
        raise ValueError(f"{type(generator).__name__} has no styles to mix. Fix: use a style-based generator "
                         "such as gancourse.models.stylegan.StyleGANGenerator.")
    return generator


def render_truncation(generator, threshold: float, n: int = 8, seed: int = 0) -> tuple:
    """(a row of n samples whose codes come from the normal truncated at `threshold`, the codes' largest |z|)."""
    lm = latent.latent_model(generator)
    z = latent.truncated_normal(n, lm.latent_dim, threshold, rng=torch.Generator().manual_seed(seed))
    return latent.pixels(lm.images(z).clamp(*VALUE_RANGE), VALUE_RANGE, nrow=n), z.abs().max().item()


def render_style_mix(generator, z_a: torch.Tensor, z_b: torch.Tensor, crossover: int) -> np.ndarray:
    """[G(z_a) | A's styles before `crossover`, B's after | G(z_b)], with the same noise inputs for all three.

    The noise inputs are drawn from a fixed seed inside a forked random state: the picture depends
    on the codes and the crossover alone, and the caller's random stream is left as it was.
    """
    generator = _style_based(generator)
    device = latent.device_of(generator)
    a, b = (z.float().to(device).view(1, -1) for z in (z_a, z_b))
    forked = torch.random.fork_rng(devices=[device] if device.type == "cuda" else [])
    with torch.no_grad(), evaluating(generator), forked:
        pictures = []
        for codes in ({"z": a}, {"z": a, "z2": b, "crossover": crossover}, {"z": b}):
            torch.manual_seed(0)  # the same noise inputs for all three
            pictures.append(generator(**codes))
    return latent.pixels(torch.cat(pictures).clamp(*VALUE_RANGE).cpu(), VALUE_RANGE, nrow=3)


def truncation_explorer(generator, n: int = 8, seed: int = 0) -> Explorer:
    """A threshold slider over a row of n samples from one seed; "new samples" draws the next seed's."""
    lm = latent.latent_model(generator)
    state = {"seed": seed}
    threshold = _slider("threshold", 0.05, 3.0, 2.0, step=0.05)
    new = widgets.Button(description="new samples")
    image, readout = _image(), widgets.HTML()

    def frame():
        return render_truncation(lm, threshold.value, n, state["seed"])

    def update(_=None):
        picture, largest = frame()
        _show(image, picture, strip=True)
        readout.value = (f"codes from N(0, 1) cut at |z| &le; {threshold.value:.2f}: largest |z| here {largest:.2f} "
                         f"(seed {state['seed']})")

    def redraw(_):
        state["seed"] += 1
        update()

    render_ms = _follow([threshold], lambda: frame()[0], update)
    new.on_click(redraw)
    update()
    return Explorer("truncation_explorer", [widgets.HBox([threshold, new]), image, readout],
                    {"threshold": threshold}, {"new": new}, image, readout=readout, render_ms=render_ms)


def style_mixing_explorer(generator, seed: int = 0) -> Explorer:
    """Codes A and B (buttons draw new ones) and a crossover slider: A, the mix, B side by side."""
    generator = _style_based(generator)
    rng = torch.Generator().manual_seed(seed)
    state = {which: torch.randn(generator.latent_dim, generator=rng) for which in ("a", "b")}
    crossover = widgets.IntSlider(value=generator.n_styles // 2, min=0, max=generator.n_styles, description="crossover",
                                  layout=widgets.Layout(width="420px"))
    new_a, new_b = widgets.Button(description="new A"), widgets.Button(description="new B")
    image, readout = _image(), widgets.HTML()

    def frame():
        return render_style_mix(generator, state["a"], state["b"], crossover.value)

    def update(_=None):
        _show(image, frame(), strip=True)
        k, last = crossover.value, generator.n_styles - 1
        readout.value = (f"A | the mix: A's styles for layers 0-{k - 1}, B's for layers {k}-{last} | B"
                         if 0 < k <= last else f"A | the mix: all styles from {'B' if k == 0 else 'A'} | B")

    def redraw(which):
        def handler(_):
            state[which] = torch.randn(generator.latent_dim, generator=rng)
            update()

        return handler

    render_ms = _follow([crossover], frame, update)
    new_a.on_click(redraw("a"))
    new_b.on_click(redraw("b"))
    update()
    return Explorer("style_mixing_explorer", [widgets.HBox([new_a, crossover, new_b]), image, readout],
                    {"crossover": crossover}, {"a": new_a, "b": new_b}, image, readout=readout, render_ms=render_ms)
