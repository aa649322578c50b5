"""Lecture 11's sampler explorer, driven as a student would (under ipywidgets 8 here, 7.7.1 via test_widgets_colab)."""

import numpy as np
import pytest
import torch

from gancourse import diffusion, diffusion_widgets, latent
from gancourse.models.diffusion_unet import DiffusionUNet


@pytest.fixture(scope="module")
def nets():
    torch.manual_seed(0)
    ddpm, flow = (DiffusionUNet((8, 16), n_classes=10, patch=2) for _ in range(2))
    with torch.no_grad():
        for p in [*ddpm.parameters(), *flow.parameters()]:
            p.add_(0.05 * torch.randn_like(p))  # labels and times that matter from the start
    return ddpm, flow, diffusion.NoiseSchedule.linear()


def test_the_same_noise_gives_the_same_samples_and_the_path_starts_at_it(nets):
    ddpm, _, schedule = nets
    row, frames, passes = diffusion_widgets.render_samples(ddpm, "DDIM", 5, 0.0, None, n=3, seed=4, schedule=schedule)
    again, _, _ = diffusion_widgets.render_samples(ddpm, "DDIM", 5, 0.0, None, n=3, seed=4, schedule=schedule)
    assert np.array_equal(row, again) and passes == 5  # no digit asked: no guidance, one pass a step
    noise = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(4))
    first_frame = frames[2:30, 2:30, :1]  # the first picture of the strip, inside its padding of 2
    assert np.array_equal(first_frame, latent.pixels(noise[:1].clamp(-1, 1), (-1, 1)))
    fewer, _, _ = diffusion_widgets.render_samples(ddpm, "DDIM", 2, 0.0, None, n=3, seed=4, schedule=schedule)
    assert not np.array_equal(row, fewer)


def test_a_digit_with_guidance_costs_two_passes_a_step_and_changes_the_samples(nets):
    _, flow, _ = nets
    plain, _, _ = diffusion_widgets.render_samples(flow, "flow", 4, 3.0, None, n=2)
    asked, _, passes = diffusion_widgets.render_samples(flow, "flow", 4, 3.0, 7, n=2)
    assert passes == 8 and not np.array_equal(plain, asked)


def test_the_explorer_follows_its_controls(nets):
    ddpm, flow, schedule = nets
    explorer = diffusion_widgets.sampler_explorer(ddpm=ddpm, flow=flow, schedule=schedule, n=2)
    first = explorer.image.value
    explorer.sliders["steps"].value = 5
    assert explorer.image.value != first and "5 steps" in explorer.readout.value
    shown = explorer.image.value
    explorer.buttons["new"].click()
    assert explorer.image.value != shown and "seed 1" in explorer.readout.value
    digit = next(c for c in explorer.children[1].children if getattr(c, "description", "") == "digit")
    digit.value = 3
    assert "the digit 3, w = 3" in explorer.readout.value and "10 network passes" in explorer.readout.value
    assert explorer.static_picture() == explorer.image.value and explorer.path.value  # the still: the samples


def test_bad_arguments_name_the_fix(nets):
    ddpm, _, _ = nets
    with pytest.raises(ValueError, match="needs a model"):
        diffusion_widgets.sampler_explorer()
    with pytest.raises(ValueError, match="schedule"):
        diffusion_widgets.sampler_explorer(ddpm=ddpm)
    with pytest.raises(ValueError, match="'DDIM' or 'flow'"):
        diffusion_widgets.render_samples(ddpm, "euler", 2, 0.0, None)
