"""Explorers of translation: lecture 6's facade editor, lecture 7's round trip.

The facade editor: paint CMP label rectangles, watch the pix2pix generator's photo follow.

The same parts as the latent explorers (an `Explorer` with `sliders`, `buttons` and an `image`,
PNG frames, render-on-release for slow models), over a label map instead of a latent code.
Rectangles are placed with a class picker and four sliders (top, left, height, width, as
fractions of the picture); the pending rectangle is drawn live, "add" keeps it, "undo" removes
the last kept one, "clear" returns to the label map the editor started from.

The round trip: pick a picture, see x, G(x), F(G(x)) and |x - F(G(x))| (or the other way
round, y, F(y), G(F(y))), for the trained pair of generators or any of a sweep's.
"""

import ipywidgets as widgets
import torch

from . import latent
from .data import cmp
from .models.modes import evaluating
from .widgets import Explorer, _follow, _image, _show, _slider

VALUE_RANGE = (-1, 1)


def paint(label_map: torch.Tensor, rectangles) -> torch.Tensor:
    """`label_map` [3, H, W] in [-1, 1] with each (class, top, left, height, width) painted in its CMP colour."""
    picture = label_map.clone()
    height, width = picture.shape[-2:]
    for name, top, left, h, w in rectangles:
        mask = cmp.draw_rectangle(torch.zeros(height, width, dtype=torch.long), name, top, left, h, w) > 0
        colour = cmp.PALETTE[cmp.CLASSES.index(name)].float() / 127.5 - 1
        picture[:, mask] = colour[:, None].to(picture.dtype)
    return picture


def _translate(generator, label_map: torch.Tensor) -> torch.Tensor:
    """G(label map) for one [3, H, W] picture, in eval mode (dropout off: the same map, the same photo)."""
    device = next(generator.parameters()).device
    with torch.no_grad(), evaluating(generator):
        return generator(label_map[None].to(device))[0].float().cpu()


def facade_editor(generator, label_map: torch.Tensor) -> Explorer:
    """Edit `label_map` (a [3, H, W] CMP label map in [-1, 1], e.g. a val input) and see G's photo live.

    The label map must have the generator's input size (64 px in quick mode, 256 in full mode).
    """
    label_map = torch.as_tensor(label_map).detach().float().cpu()
    if label_map.dim() != 3 or label_map.shape[0] != 3:
        raise ValueError(f"label_map should be one picture [3, H, W], got {list(label_map.shape)}. "
                         "Fix: pass inputs[0], not the whole batch.")
    kept = []
    picker = widgets.Dropdown(options=list(cmp.CLASSES), value="window", description="class")
    sliders = [_slider("top", 0.0, 1.0, 0.4), _slider("left", 0.0, 1.0, 0.4),
               _slider("height", 0.02, 1.0, 0.2), _slider("width", 0.02, 1.0, 0.2)]
    buttons = {name: widgets.Button(description=name) for name in ("add", "undo", "clear")}
    image = _image()

    def pending():
        return (picker.value, *(s.value for s in sliders))

    def frame():
        labels = paint(label_map, kept + [pending()])
        photo = _translate(generator, labels)
        return latent.pixels(torch.stack([labels, photo]), VALUE_RANGE, nrow=2)

    def update(_=None):
        _show(image, frame(), strip=True)

    def on_add(_):
        kept.append(pending())
        update()

    def on_undo(_):
        if kept:
            kept.pop()
        update()

    def on_clear(_):
        kept.clear()
        update()

    render_ms = _follow(sliders, frame, update)
    picker.observe(update, names="value")
    for name, handler in (("add", on_add), ("undo", on_undo), ("clear", on_clear)):
        buttons[name].on_click(handler)
    update()
    controls = widgets.VBox([picker, *sliders, widgets.HBox(list(buttons.values()))])
    editor = Explorer("facade_editor", [widgets.HBox([controls, image])], {s.description: s for s in sliders},
                      buttons, image, render_ms=render_ms)
    editor.picker, editor.rectangles = picker, kept
    return editor


def _pictures(images, who: str) -> torch.Tensor:
    images = torch.as_tensor(images).detach().float().cpu()
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"{who} should be a batch of pictures [N, 3, H, W] in [-1, 1], got {list(images.shape)}. "
                         "Fix: pass e.g. test.domain_a.tensors()[:16].")
    return images


def round_trip(generator_xy, generator_yx, images_x, images_y=None, sweep=None) -> Explorer:
    """Pick a picture x and see x, G(x), F(G(x)) and |x - F(G(x))|; with images_y, also y, F(y), G(F(y)).

    generator_xy is G (X -> Y), generator_yx is F (Y -> X). sweep: {name: (G, F)} of other trained
    pairs (e.g. the lambda sweep's, {"lambda 1": (G1, F1), ...}), offered in a selector beside the
    pair given first. The difference is shown from black (none) to white (2, the largest there is),
    and the readout gives its mean over the picture.
    """
    images = {"X -> Y -> X": _pictures(images_x, "images_x")}
    if images_y is not None:
        images["Y -> X -> Y"] = _pictures(images_y, "images_y")
    pairs = {"trained": (generator_xy, generator_yx), **(sweep or {})}
    index = widgets.IntSlider(value=0, min=0, max=len(images["X -> Y -> X"]) - 1, description="picture",
                              layout=widgets.Layout(width="420px"))
    direction = widgets.ToggleButtons(options=list(images), value="X -> Y -> X", description="cycle")
    chooser = widgets.Dropdown(options=list(pairs), value="trained", description="generators")
    image, readout = _image(), widgets.Label()

    def frame():
        forward, backward = pairs[chooser.value]
        if direction.value == "Y -> X -> Y":
            forward, backward = backward, forward
        pictures = images[direction.value]
        x = pictures[min(index.value, len(pictures) - 1)]
        translated = _translate(forward, x)
        back = _translate(backward, translated)
        difference = (x - back).abs()
        names = ("x, G(x), F(G(x)), |x - F(G(x))|" if direction.value == "X -> Y -> X"
                 else "y, F(y), G(F(y)), |y - G(F(y))|")
        readout.value = f"{names}; mean difference {difference.mean():.3f} (pixel values in [-1, 1])"
        return latent.pixels(torch.stack([x, translated, back, difference - 1]), VALUE_RANGE, nrow=4)

    def update(_=None):
        index.max = len(images[direction.value]) - 1
        _show(image, frame(), strip=True)

    render_ms = _follow([index], frame, update)
    direction.observe(update, names="value")
    chooser.observe(update, names="value")
    update()
    controls = [index] + ([direction] if images_y is not None else []) + ([chooser] if sweep else [])
    explorer = Explorer("round_trip", [*controls, image, readout], {"picture": index}, {}, image,
                        readout=readout, render_ms=render_ms)
    explorer.direction, explorer.chooser = direction, chooser
    return explorer
