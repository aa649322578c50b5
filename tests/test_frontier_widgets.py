"""Lecture 9's explorers, headless: the truncation slider and the style-mixing explorer."""

import numpy as np
import pytest
import torch

from gancourse import frontier_widgets
from gancourse.models.attention import SAGANGenerator
from gancourse.models.stylegan import StyleGANGenerator


def picture(explorer):
    return bytes(explorer.image.value)


def tile(row, i):
    """Picture i of a strip of 28 px pictures laid out with 2 px of padding (plot.grid_image)."""
    return row[2:30, 2 + 30 * i:30 + 30 * i]


def test_truncation_explorer_pulls_the_same_draws_towards_the_centre():
    torch.manual_seed(0)
    generator = SAGANGenerator(ngf=16, attention_at=7)
    explorer = frontier_widgets.truncation_explorer(generator, n=6)
    wide = picture(explorer)
    explorer.sliders["threshold"].value = 0.05
    assert picture(explorer) != wide
    assert "largest |z| here 0.0" in explorer.readout.value  # every code within 0.05
    row, largest = frontier_widgets.render_truncation(generator, 0.05, n=6, seed=0)
    assert largest <= 0.05 and row.shape == (32, 2 + 6 * 30, 3)
    before = picture(explorer)
    explorer.buttons["new"].click()
    assert picture(explorer) != before and "seed 1" in explorer.readout.value


def test_style_mixing_explorer_ends_are_the_two_codes():
    torch.manual_seed(0)
    generator = StyleGANGenerator(latent_dim=8, w_dim=8, widths=(8, 8, 4), mapping_layers=2)
    with torch.no_grad():
        for layer in generator.layers:  # noise that shows: the explorer must fix it, not draw it afresh
            layer.noise.strength.fill_(0.5)
    z_a, z_b = torch.randn(8), torch.randn(8)
    state = torch.get_rng_state()
    all_a = frontier_widgets.render_style_mix(generator, z_a, z_b, generator.n_styles)
    all_b = frontier_widgets.render_style_mix(generator, z_a, z_b, 0)
    assert torch.equal(torch.get_rng_state(), state)  # the caller's random stream is untouched
    left, middle, right = (tile(all_a, i) for i in range(3))
    assert np.array_equal(middle, left) and not np.array_equal(left, right)
    assert np.array_equal(tile(all_b, 1), tile(all_b, 2))
    again = frontier_widgets.render_style_mix(generator, z_a, z_b, 3)
    assert np.array_equal(again, frontier_widgets.render_style_mix(generator, z_a, z_b, 3))  # the same noise each time

    explorer = frontier_widgets.style_mixing_explorer(generator)
    before = picture(explorer)
    explorer.sliders["crossover"].value = 1
    assert picture(explorer) != before and "layers 0-0" in explorer.readout.value
    before = picture(explorer)
    explorer.buttons["b"].click()
    assert picture(explorer) != before


def test_style_mixing_needs_a_style_based_generator():
    with pytest.raises(ValueError, match="no styles to mix"):
        frontier_widgets.style_mixing_explorer(SAGANGenerator(ngf=16))
