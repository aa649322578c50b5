"""The explorers driven as a student would: set a control, read the picture it shows.

These run under whichever ipywidgets is installed: 8 in the course's venv, 7.7.1 on Colab.
"""

import base64
import io
import time

import IPython.display
import ipywidgets
import numpy as np
import pytest
import torch
import torch.nn as nn
from PIL import Image

from gancourse import latent, widgets
from gancourse.models import VAE, MLPAutoencoder
from gancourse.models.gan import MLPDiscriminator, MLPGenerator


def shown(image_widget) -> np.ndarray:
    """The picture an Image widget holds, shrunk back to one pixel per model pixel."""
    picture = Image.open(io.BytesIO(image_widget.value))
    array = np.array(picture)
    return array[..., None] if array.ndim == 2 else array


def same_picture(image_widget, picture) -> bool:
    on_screen = shown(image_widget)
    scale = on_screen.shape[0] // picture.shape[0]
    return np.array_equal(on_screen[::scale, ::scale], picture)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_interpolate_shows_the_endpoints_at_t_0_and_1():
    generator = MLPGenerator()
    z_a, z_b = torch.randn(2, 100)
    explorer = widgets.interpolate(generator, z_a=z_a, z_b=z_b, steps=6)
    t = explorer.sliders["t"]
    t.value = 0.0
    assert same_picture(explorer.image, latent.render_point(generator, z_a))
    t.value = 1.0
    assert same_picture(explorer.image, latent.render_point(generator, z_b))
    assert f"|z(t)| = {z_b.norm():.2f}" in explorer.readout.value
    assert same_picture(explorer.strip, latent.render_strip(generator, z_a, z_b, 6, "slerp"))


def test_interpolate_path_choice_and_redraw_buttons():
    generator = MLPGenerator()
    explorer = widgets.interpolate(generator, method="slerp")
    explorer.sliders["t"].value = 0.5
    slerp_middle, slerp_norm = shown(explorer.image), explorer.readout.value
    explorer.sliders["path"].value = "lerp"
    assert not np.array_equal(shown(explorer.image), slerp_middle)
    assert explorer.readout.value != slerp_norm  # the straight line's middle is shorter
    explorer.sliders["t"].value = 0.0
    start, strip = shown(explorer.image), explorer.strip.value
    explorer.buttons["z_b"].click()
    assert np.array_equal(shown(explorer.image), start) and explorer.strip.value != strip  # z_a stays, z_b is new
    explorer.buttons["z_a"].click()
    assert not np.array_equal(shown(explorer.image), start)


def test_interpolate_a_conditional_generator_at_a_fixed_label():
    generator = MLPGenerator(n_classes=10)
    z_a, z_b = torch.randn(2, 100)
    explorer = widgets.interpolate(generator, z_a=z_a, z_b=z_b, label=8)
    explorer.sliders["t"].value = 0.0
    assert same_picture(explorer.image, latent.render_point(generator, z_a, 8))


def test_latent_sliders_decode_the_slider_values():
    vae = VAE(latent_dim=2)
    explorer = widgets.latent_sliders(vae)
    assert list(explorer.sliders) == ["z1", "z2"]
    explorer.sliders["z1"].value, explorer.sliders["z2"].value = 1.5, -2.0
    assert same_picture(explorer.image, latent.render_point(vae, torch.tensor([1.5, -2.0])))
    explorer.buttons["reset"].click()
    assert explorer.sliders["z1"].value == 0.0
    assert same_picture(explorer.image, latent.render_point(vae, torch.zeros(2)))


def test_latent_sliders_over_encoded_data_report_the_distance_to_it():
    autoencoder = MLPAutoencoder(latent_dim=3)
    codes = torch.randn(400, 3)
    explorer = widgets.latent_sliders(autoencoder, codes=codes)
    near = explorer.readout.value
    explorer.sliders["z1"].value = explorer.sliders["z1"].max  # the edge of the data's box
    explorer.sliders["z2"].value = explorer.sliders["z2"].max
    far = explorer.readout.value
    distance = lambda text: float(text.split("nearest encoded image: ")[1].split(" ")[0])  # noqa: E731
    assert distance(far) > distance(near)


def test_latent_sliders_along_principal_directions():
    vae = VAE(latent_dim=20)
    codes = torch.randn(300, 20) * torch.linspace(3, 0.1, 20)
    explorer = widgets.latent_sliders(vae, dims=3, codes=codes, principal=True)
    assert [name.split(" ")[0] for name in explorer.sliders] == ["PC1", "PC2", "PC3"]
    before = shown(explorer.image)
    next(iter(explorer.sliders.values())).value = 2.0
    assert not np.array_equal(shown(explorer.image), before)


def test_class_explorer_same_noise_another_digit():
    generator = MLPGenerator(n_classes=10)
    z = torch.randn(100)
    explorer = widgets.class_explorer(generator, z=z)
    assert same_picture(explorer.image, latent.render_point(generator, z, 0))
    explorer.sliders["label"].value = 7
    assert same_picture(explorer.image, latent.render_point(generator, z, 7))
    strip = explorer.strip.value
    explorer.sliders["z1"].value = 2.5
    moved = z.clone()
    moved[0] = 2.5
    assert same_picture(explorer.image, latent.render_point(generator, moved, 7))
    assert explorer.strip.value != strip
    assert same_picture(explorer.strip, latent.render_classes(generator, moved))
    explorer.buttons["noise"].click()
    assert explorer.sliders["label"].value == 7 and explorer.strip.value != strip


def test_class_explorer_needs_a_conditional_generator():
    with pytest.raises(TypeError, match="not conditional"):
        widgets.class_explorer(MLPGenerator())


def test_direction_explorer_moves_along_the_direction():
    vae = VAE(latent_dim=20)
    z, direction = torch.randn(20), torch.randn(20)
    explorer = widgets.direction_explorer(vae, direction, z=z, span=2.0)
    assert same_picture(explorer.image, latent.render_point(vae, z))
    explorer.sliders["strength"].value = 1.5
    assert same_picture(explorer.image, latent.render_point(vae, z + 1.5 * direction))
    assert same_picture(explorer.strip, latent.render_along(vae, z, direction, torch.linspace(-2, 2, 7)))
    with pytest.raises(ValueError, match="direction has 3 numbers but the latent space 20"):
        widgets.direction_explorer(vae, torch.ones(3))


@pytest.mark.parametrize(
    "explorer",
    [
        widgets.interpolate,
        widgets.latent_sliders,
        widgets.class_explorer,
        lambda m: widgets.direction_explorer(m, torch.ones(3)),
    ],
)
def test_every_explorer_rejects_a_model_without_the_interface(explorer):
    with pytest.raises(TypeError, match="latent_dim"):
        explorer(MLPDiscriminator())


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: widgets.interpolate(MLPGenerator(), steps=0), ValueError, "steps=0: the strip needs at least its two"),
        (lambda: widgets.interpolate(MLPGenerator(), steps=1.5), ValueError, "steps=1.5"),
        (lambda: widgets.interpolate(MLPGenerator), TypeError, "MLPGenerator is a class, not a model. Fix: pass an"),
        (lambda: widgets.class_explorer(MLPGenerator), TypeError, "is a class, not a model"),
        (lambda: widgets.interpolate(MLPGenerator(), z_a=torch.randn(50)), ValueError,
         "z_a has 50 numbers but MLPGenerator takes codes of 100. Fix: z_a=torch.randn\\(100\\)"),
        (lambda: widgets.interpolate(MLPGenerator(), z_b=torch.randn(2, 100)), ValueError, "z_b has 200 numbers"),
        (lambda: widgets.class_explorer(MLPGenerator(n_classes=10), z=torch.randn(5)), ValueError,
         "z has 5 numbers but MLPGenerator takes codes of 100"),
        (lambda: widgets.direction_explorer(MLPGenerator(), torch.ones(100), z=torch.randn(7)), ValueError,
         "z has 7 numbers"),
    ],
)
def test_bad_explorer_arguments_get_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


class SlowDecoder(nn.Module):
    """Stands in for a model too heavy to re-render while a slider is dragged."""

    latent_dim = 2

    def decode(self, z):
        time.sleep(1.5 * widgets.RESPONSIVE_MS / 1000)
        return torch.sigmoid(z.sum(1)).view(-1, 1, 1, 1).expand(-1, 1, 4, 4)


def test_a_slow_model_renders_on_release_and_a_fast_one_while_dragging():
    slow, fast = widgets.latent_sliders(SlowDecoder()), widgets.latent_sliders(VAE(latent_dim=2))
    assert slow.render_ms > widgets.RESPONSIVE_MS and not slow.sliders["z1"].continuous_update
    assert fast.render_ms < widgets.RESPONSIVE_MS and fast.sliders["z1"].continuous_update
    assert not widgets.interpolate(SlowDecoder()).sliders["t"].continuous_update


def test_explorers_are_widgets_the_notebook_can_show():
    explorer = widgets.interpolate(VAE(latent_dim=2))
    assert isinstance(explorer, ipywidgets.VBox)
    assert explorer.image.format == "png" and explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert shown(explorer.image).shape[0] == 28 * round(widgets.SINGLE_HEIGHT / 28)


def test_a_saved_notebook_shows_what_the_output_is():
    assert repr(widgets.latent_sliders(VAE(latent_dim=2))).startswith("<latent_sliders: a live explorer; run this cell")


def test_a_page_without_widgets_shows_a_still_of_the_explorer_and_one_line_on_what_it_is():
    import nbconvert
    import nbformat
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    explorer = widgets.interpolate(VAE(latent_dim=2), steps=6)
    shell, published = InteractiveShell.instance(), []

    class Capture(DisplayPublisher):
        def publish(self, data, metadata=None, **kwargs):
            published.append(data)

    shell.display_pub = Capture()
    try:
        IPython.display.display(explorer)  # as a cell's last line shows it, with ipywidgets 7 or 8
    finally:
        InteractiveShell.clear_instance()
    (bundle,) = published
    assert bundle[widgets.WIDGET_VIEW]["model_id"] == explorer.model_id  # a frontend with widgets draws the widget
    assert base64.b64decode(bundle["image/png"]) == explorer.strip.value  # the still: the strip of pictures
    # nbconvert, like every page without the widget's state, falls back to the still and its line
    cell = nbformat.v4.new_code_cell("widgets.interpolate(vae)", outputs=[
        nbformat.v4.new_output("display_data", data=bundle)])
    page, _ = nbconvert.HTMLExporter().from_notebook_node(nbformat.v4.new_notebook(cells=[cell]))
    assert f'src="data:image/png;base64,{bundle["image/png"]}"' in page
    assert "interpolate: a still of its first view; run this cell in JupyterLab or Colab" in page
    assert "a live explorer" not in page
