"""Plots: the pixels and points they draw, not only that they run."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gancourse import plot  # noqa: E402
from gancourse.train import History  # noqa: E402


def test_grid_maps_tanh_images_to_the_unit_range():
    images = torch.stack([torch.full((1, 4, 4), -1.0), torch.full((1, 4, 4), 1.0)])
    grid = plot.grid_image(images, nrow=2)
    assert grid.shape == (2 + 4 + 2, 2 + 4 + 2 + 4 + 2, 3)
    assert grid[2, 2, 0] == 0.0 and grid[2, 8, 0] == 1.0


def test_grid_keeps_unit_images_as_they_are():
    images = torch.full((1, 1, 3, 3), 0.25)
    assert plot.grid_image(images)[1, 1, 0] == pytest.approx(0.25)  # one image: no padding


def test_loss_curves_draw_one_line_per_loss():
    history = History()
    for i in range(50):
        history.record_step({"d_loss": 1.0 / (i + 1), "g_loss": 0.5})
    fig, ax = plt.subplots()
    plot.loss_curves(history, smooth=10, ax=ax)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["d_loss", "g_loss"] and len(ax.get_lines()[0].get_xdata()) == 41
    plt.close(fig)


def test_latent_scatter_needs_two_or_three_dimensions():
    with pytest.raises(ValueError, match="plot.tsne"):
        plot.latent_scatter(torch.randn(10, 5), np.zeros(10))


def test_latent_scatter_3d_places_every_point():
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    plot.latent_scatter(torch.randn(30, 3), np.arange(30) % 10, ax=ax)
    assert ax.collections[0].get_offsets().shape[0] == 30
    plt.close(fig)


def test_manifold_decodes_a_grid_spaced_by_normal_quantiles():
    seen = []

    def decode(z):
        seen.append(z)
        return torch.zeros(len(z), 1, 28, 28)

    fig, ax = plt.subplots()
    plot.manifold(decode, n=5, ax=ax)
    z = seen[0]
    assert z.shape == (25, 2)
    values = sorted({round(v, 5) for v in z[:, 0].tolist()})
    assert values[0] == pytest.approx(-1.644854, abs=1e-4) and values[2] == pytest.approx(0.0, abs=1e-6)
    assert z[0, 1] > z[-1, 1], "z2 grows upwards: the top row has the largest z2"
    plt.close(fig)


def test_tsne_returns_the_projection_it_draws():
    torch.manual_seed(0)
    codes = torch.cat([torch.randn(20, 16), torch.randn(20, 16) + 8])
    fig, ax = plt.subplots()
    embedded = plot.tsne(codes, np.repeat([0, 1], 20), ax=ax)
    assert embedded.shape == (40, 2)
    # two well separated blobs stay separated
    a, b = embedded[:20].mean(0), embedded[20:].mean(0)
    assert np.linalg.norm(a - b) > 3 * embedded[:20].std(0).mean()
    plt.close(fig)


def test_grid_shows_uint8_pixels_as_they_are():
    images = torch.full((1, 3, 2, 2), 51, dtype=torch.uint8)
    assert plot.grid_image(images)[0, 0, 0] == pytest.approx(0.2)


def test_animation_embeds_at_most_max_frames_and_always_the_last(monkeypatch):
    frames = [torch.full((20, 1, 4, 4), float(i) / 30) for i in range(30)]
    shown = []
    real = plot.grid_image
    monkeypatch.setattr(plot, "grid_image", lambda images, **kw: shown.append(images) or real(images, **kw))
    html = plot.animate_grids(frames, titles=[f"epoch {i + 1}" for i in range(30)], max_frames=5, n_images=4)
    assert len(shown) == 5 and all(len(images) == 4 for images in shown)
    assert shown[-1][0, 0, 0, 0].item() == pytest.approx(29 / 30)
    assert "<img" in html.data or "frames" in html.data
    assert not plt.get_fignums()  # the static figure is closed


def test_nearest_neighbours_finds_the_training_twin():
    torch.manual_seed(0)
    train = torch.rand(50, 1, 6, 6)
    samples = torch.stack([train[7] + 0.01, train[3]])
    distances = plot.nearest_neighbours(samples, train, n=2)
    assert distances[1].item() == 0.0, "an exact twin is at distance 0 on every CPU"
    assert distances[0].item() == pytest.approx(0.06, abs=1e-4)  # 36 pixels off by 0.01
    plt.close("all")


def test_labelled_grid_writes_each_column_s_name_over_its_pictures():
    columns = {"real": torch.full((2, 1, 8, 8), 1.0), "lambda 10": torch.full((3, 1, 8, 8), -1.0)}
    fig, ax = plt.subplots()
    plot.labelled_grid(columns, ax=ax, row_labels=["a", "b"])
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert set(texts) == {"real", "lambda 10", "a", "b"}
    assert texts["real"][0] < texts["lambda 10"][0] and texts["a"][1] < texts["b"][1]
    picture = ax.images[0].get_array()
    assert picture.shape[:2] == (2 + 2 * 10, 2 + 2 * 10)  # two rows (the shorter column's length), two columns
    column_of_real = picture[2:10, 2:10]
    assert float(column_of_real.min()) == 1.0  # the first column holds the first entry's pictures
    plt.close(fig)


def test_labelled_grid_in_blocks_keeps_each_entry_s_pictures_under_its_name():
    columns = {"A": torch.full((4, 1, 4, 4), 1.0), "B": torch.full((4, 1, 4, 4), -1.0)}
    fig, ax = plt.subplots()
    plot.labelled_grid(columns, ax=ax, block=2)
    picture = ax.images[0].get_array()
    assert picture.shape[:2] == (2 + 2 * 6, 2 + 4 * 6)  # 2 rows of 2 + 2 columns
    cells = [picture[2:6, x:x + 4] for x in (2, 8, 14, 20)]  # the first row's four pictures (padding 2)
    assert [float(c.mean()) for c in cells] == [1.0, 1.0, 0.0, 0.0]  # A's block, then B's
    assert ax.texts[0].get_position()[0] < 14 < ax.texts[1].get_position()[0]
    plt.close(fig)
