"""Latent-space explorers for the notebooks: sliders and buttons over `gancourse.latent`'s pictures.

Each explorer returns an `Explorer` (an ipywidgets VBox) whose controls are attributes, so
a test, or a student, can set `explorer.sliders["t"].value = 0.5` and read `explorer.image`.
Only widgets and options that ipywidgets 7.7 (Colab) and 8 (JupyterLab 4) share are used.

Pictures travel as PNG bytes in `widgets.Image`, not as matplotlib figures: a frame of a 28x28
model costs about a millisecond, so sliders update while they are dragged. A model slower than
RESPONSIVE_MS per frame renders when the slider is released instead, so the picture never lags
behind the hand (`continuous_update=False`, chosen per model from a timed render).
"""

import base64
import html
import time

import IPython.display
import ipywidgets as widgets
import torch

from . import latent

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RESPONSIVE_MS = 50.0
SINGLE_HEIGHT = 168  # pixels on screen for the large picture
STRIP_WIDTH = 760  # at most, for a row of pictures


class Explorer(widgets.VBox):
    """The widget a cell shows. `sliders`, `buttons` and the `image` / `strip` widgets are its parts."""

    def __init__(self, name, children, sliders, buttons, image, strip=None, readout=None, render_ms=0.0):
        super().__init__(children)
        self.name = name
        self.sliders, self.buttons = sliders, buttons
        self.image, self.strip, self.readout = image, strip, readout
        self.render_ms = render_ms  # the timed render that chose continuous_update

    def __repr__(self):
        return f"<{self.name}: a live explorer; run this cell in JupyterLab or Colab to use its sliders>"

    def static_picture(self) -> bytes:
        """The PNG a page without widgets shows instead: the strip of pictures where there is one, else the picture."""
        return (self.strip.value if self.strip is not None and self.strip.value else self.image.value)

    def _repr_mimebundle_(self, **kwargs):
        """The widget's view for a frontend with widgets, and for every other reader (a notebook on GitHub, nbconvert,
        a kernel that has stopped) the explorer's first picture with one line saying what it is.

        A frontend that renders widgets ranks the widget's view first; one that cannot falls back to the
        HTML (the picture and the line), then to the PNG alone, then to the text.
        """
        picture = base64.b64encode(self.static_picture()).decode()
        line = (f"{self.name}: a still of its first view; run this cell in JupyterLab or Colab to use its "
                "sliders and buttons")
        bundle = {
            "text/plain": repr(self),
            "image/png": picture,
            "text/html": f'<img src="data:image/png;base64,{picture}"/><br><em>{html.escape(line)}</em>',
        }
        if self._view_name is not None:  # a live widget: the frontend draws it from its model
            bundle[WIDGET_VIEW] = {"version_major": 2, "version_minor": 0, "model_id": self._model_id}
        return bundle

    if hasattr(widgets.DOMWidget, "_ipython_display_"):  # ipywidgets 7 displays itself; IPython asks it first
        def _ipython_display_(self, **kwargs):
            IPython.display.display(self._repr_mimebundle_(), raw=True)
            if self._view_name is not None:
                self._handle_displayed(**kwargs)


def _scale(picture, strip: bool) -> int:
    height, width = picture.shape[:2]
    if strip:
        return max(1, min(3, STRIP_WIDTH // width))
    return max(1, round(SINGLE_HEIGHT / height))


def _image():
    # Flex boxes stretch their children across the cell; a picture keeps its own (enlarged) size.
    return widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start"))


def _show(image_widget, picture, strip=False):
    image_widget.value = latent.png(picture, _scale(picture, strip))


def _timed(render) -> float:
    """Milliseconds for one frame: the median of three after a warm-up call."""
    render()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        render()
        times.append(1000 * (time.perf_counter() - start))
    return sorted(times)[1]


def _follow(sliders, frame, handler) -> float:
    """Time one frame, let the sliders redraw while dragged only if that is fast enough, and connect them."""
    render_ms = _timed(frame)
    for s in sliders:
        s.continuous_update = render_ms < RESPONSIVE_MS
        s.observe(handler, names="value")
    return render_ms


def _slider(description, low, high, value, step=None):
    # continuous_update is set once the model's frame has been timed.
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step or (high - low) / 200,
        description=description,
        readout_format=".2f",
        layout=widgets.Layout(width="420px"),
    )


def _random_code(lm, rng):
    return torch.randn(lm.latent_dim, generator=rng)


def _given_code(lm, z, name: str) -> torch.Tensor:
    """One code of the model's size, as a flat CPU tensor, or an error that says which size it needs."""
    z = torch.as_tensor(z).detach().float().cpu().reshape(-1)
    if len(z) != lm.latent_dim:
        raise ValueError(f"{name} has {len(z)} numbers but {type(lm.model).__name__} takes codes of "
                         f"{lm.latent_dim}. Fix: {name}=torch.randn({lm.latent_dim}), or one row of your codes.")
    return z


def interpolate(
    model, z_a=None, z_b=None, steps: int = 8, method: str = "slerp", label=None, seed: int = 0
) -> Explorer:
    """Walk from z_a to z_b: a slider t in [0, 1], lerp or slerp, and buttons that re-draw either end.

    Below the picture at t, the strip of `steps` pictures along the whole path, and the norm of
    z(t) beside the norm that samples of N(0, I) have: on the straight line it sags in the middle.
    A conditional generator needs `label`.
    """
    lm = latent.latent_model(model)
    rng = torch.Generator().manual_seed(seed)
    state = {
        "z_a": _random_code(lm, rng) if z_a is None else _given_code(lm, z_a, "z_a"),
        "z_b": _random_code(lm, rng) if z_b is None else _given_code(lm, z_b, "z_b"),
    }
    typical = latent.typical_norm(lm.latent_dim)

    def frame():
        return latent.render_interpolation(lm, state["z_a"], state["z_b"], t.value, way.value, label)

    t = _slider("t", 0.0, 1.0, 0.5, step=0.01)
    way = widgets.ToggleButtons(options=["lerp", "slerp"], value=method, description="path")
    new_a, new_b = widgets.Button(description="new z_a"), widgets.Button(description="new z_b")
    image, strip, readout = _image(), _image(), widgets.HTML()

    def update_frame(_=None):
        _show(image, frame())
        norm = latent.path(state["z_a"], state["z_b"], t.value, way.value).norm().item()
        readout.value = f"|z(t)| = {norm:.2f} &nbsp; (samples of N(0, I) in {lm.latent_dim}-d: |z| ≈ {typical:.2f})"

    def update_all(_=None):
        _show(strip, latent.render_strip(lm, state["z_a"], state["z_b"], steps, way.value, label), strip=True)
        update_frame()

    def redraw(end):
        def handler(_):
            state[end] = _random_code(lm, rng)
            update_all()

        return handler

    render_ms = _follow([t], frame, update_frame)
    way.observe(update_all, names="value")
    new_a.on_click(redraw("z_a"))
    new_b.on_click(redraw("z_b"))
    update_all()
    controls = widgets.HBox([new_a, t, new_b])
    return Explorer(
        "interpolate",
        [controls, way, image, readout, strip],
        {"t": t, "path": way},
        {"z_a": new_a, "z_b": new_b},
        image,
        strip,
        readout,
        render_ms,
    )


def latent_sliders(model, dims=None, codes=None, principal: bool = False, span: float = 3.0, label=None) -> Explorer:
    """One slider per latent direction, the decoded picture live.

    dims: the number of sliders (first axes) or a list of axes; default all, at most 6.
    codes: encoded data [N, latent_dim]; the sliders then span where the data lies and a readout
        tells how far the current code is from the nearest encoded image.
    principal: slide along the top principal directions of `codes` instead of the axes.
    """
    lm = latent.latent_model(model)
    basis = latent.latent_basis(lm.latent_dim, dims, codes, principal, span)
    codes = None if codes is None else torch.as_tensor(codes).float().cpu()
    typical = None if codes is None else latent.typical_nearest_distance(codes)

    def code():
        return basis.point([s.value for s in sliders])

    def frame():
        return latent.render_point(lm, code(), label)

    sliders = [
        _slider(n, lo, hi, v) for n, lo, hi, v in zip(basis.names, basis.low, basis.high, basis.start, strict=True)
    ]
    image, readout = _image(), widgets.HTML()
    reset = widgets.Button(description="reset")

    def update(_=None):
        _show(image, frame())
        if codes is not None:
            distance = latent.nearest_distance(code(), codes)
            readout.value = (
                f"nearest encoded image: {distance:.2f} away &nbsp; "
                f"(an encoded image's nearest neighbour: {typical:.2f})"
            )

    def on_reset(_):
        for s, start in zip(sliders, basis.start, strict=True):
            s.value = start

    render_ms = _follow(sliders, frame, update)
    reset.on_click(on_reset)
    update()
    panel = widgets.HBox([widgets.VBox(sliders + [reset]), image])
    return Explorer(
        "latent_sliders",
        [panel, readout],
        {s.description: s for s in sliders},
        {"reset": reset},
        image,
        None,
        readout,
        render_ms,
    )


def class_explorer(cgan, z=None, noise_dims: int = 4, span: float = 3.0, seed: int = 0) -> Explorer:
    """A conditional generator's label and noise apart: pick a digit, move a few noise numbers.

    The row below draws the same noise as every label: same noise, another digit.
    """
    lm = latent.conditional_model(cgan)
    rng = torch.Generator().manual_seed(seed)
    state = {"z": _random_code(lm, rng) if z is None else _given_code(lm, z, "z")}
    noise_dims = min(noise_dims, lm.latent_dim)

    def code():
        z = state["z"].clone()
        z[:noise_dims] = torch.tensor([s.value for s in sliders])
        return z

    def frame():
        return latent.render_point(lm, code(), choice.value)

    choice = widgets.ToggleButtons(
        options=list(range(lm.n_classes)), value=0, description="label", style={"button_width": "32px"}
    )
    sliders = [_slider(f"z{i + 1}", -span, span, float(state["z"][i].clamp(-span, span))) for i in range(noise_dims)]
    image, strip = _image(), _image()
    new_noise = widgets.Button(description="new noise")

    def update_frame(_=None):
        _show(image, frame())

    def update_all(_=None):
        _show(strip, latent.render_classes(lm, code()), strip=True)
        update_frame()

    def on_new(_):
        state["z"] = _random_code(lm, rng)
        for i, s in enumerate(sliders):  # each assignment re-renders; the last one shows the new noise
            s.value = float(state["z"][i].clamp(-span, span))
        update_all()

    render_ms = _follow(sliders, frame, update_all)
    choice.observe(update_frame, names="value")
    new_noise.on_click(on_new)
    update_all()
    panel = widgets.HBox([widgets.VBox(sliders + [new_noise]), image])
    return Explorer(
        "class_explorer",
        [choice, panel, widgets.HTML("the same noise as every label:"), strip],
        {"label": choice, **{s.description: s for s in sliders}},
        {"noise": new_noise},
        image,
        strip,
        None,
        render_ms,
    )


def direction_explorer(
    model, direction, z=None, span: float = 2.0, steps: int = 7, label=None, seed: int = 0
) -> Explorer:
    """Move a code along a latent direction with a strength slider: z + alpha * direction.

    The direction comes from `latent.class_mean_direction` (a difference of class means) or
    `latent.classifier_direction` (a classifier's gradient), or anywhere else. The strip shows
    alpha from -span to +span.
    """
    lm = latent.latent_model(model)
    direction = torch.as_tensor(direction).float().cpu().reshape(-1)
    if direction.numel() != lm.latent_dim:
        raise ValueError(
            f"The direction has {direction.numel()} numbers but the latent space {lm.latent_dim}. "
            "Fix: compute it in this model's latent space."
        )
    rng = torch.Generator().manual_seed(seed)
    state = {"z": _random_code(lm, rng) if z is None else _given_code(lm, z, "z")}

    def frame():
        return latent.render_along(lm, state["z"], direction, [alpha.value], label)

    alpha = _slider("strength", -span, span, 0.0)
    image, strip = _image(), _image()
    new_z = widgets.Button(description="new z")

    def update_frame(_=None):
        _show(image, frame())

    def update_all(_=None):
        _show(
            strip, latent.render_along(lm, state["z"], direction, torch.linspace(-span, span, steps), label), strip=True
        )
        update_frame()

    def on_new(_):
        state["z"] = _random_code(lm, rng)
        update_all()

    render_ms = _follow([alpha], frame, update_frame)
    new_z.on_click(on_new)
    update_all()
    caption = widgets.HTML(f"strength from {-span:g} to {span:g}:")
    return Explorer(
        "direction_explorer",
        [widgets.HBox([alpha, new_z]), image, caption, strip],
        {"strength": alpha},
        {"z": new_z},
        image,
        strip,
        None,
        render_ms,
    )
