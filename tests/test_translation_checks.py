"""Lecture 6's self-checks fail with their hints on the typical mistakes; the facade editor answers."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from gancourse import checks, losses
from gancourse.checks import CheckFailed
from gancourse.data import cmp
from gancourse.models.translation import PatchGANDiscriminator, UnetGenerator
from gancourse.translation_widgets import facade_editor, paint


class NoSkips(UnetGenerator):
    def forward(self, x):
        for down in self.downs:
            x = down(x)
        for up in self.ups:
            x = up(x)
        return x


class SkipFirst(UnetGenerator):
    def forward(self, x):
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        x = self.ups[0](skips.pop())
        for up in self.ups[1:]:
            x = up(torch.cat([skips.pop(), x], dim=1))
        return x


def test_the_reference_passes_every_check(capsys):
    checks.check_unet_forward(UnetGenerator)
    checks.check_patchgan(PatchGANDiscriminator)
    checks.check_pix2pix_generator_loss(losses.pix2pix_generator_loss)
    assert capsys.readouterr().out.count("passed") == 3


@pytest.mark.parametrize("student, hint", [(NoSkips, "concatenated with the encoder output"),
                                           (SkipFirst, "other order")])
def test_unet_mistakes(student, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_unet_forward(student)


def _patchgan(**changes):
    def build(in_channels=6, ndf=64):
        layers = [nn.Conv2d(changes.get("in_channels", in_channels), ndf, 4, 2, 1), nn.LeakyReLU(0.2)]
        strides = changes.get("strides", (2, 2, 1))
        for i, stride in enumerate(strides):
            a, b = ndf * 2**i, ndf * 2 ** (i + 1)
            layers += [nn.Conv2d(a, b, 4, stride, 1, bias=changes.get("bias", False)), nn.BatchNorm2d(b),
                       nn.LeakyReLU(0.2)]
        layers.append(nn.Conv2d(8 * ndf, 1, 4, 1, 1))
        if changes.get("sigmoid"):
            layers.append(nn.Sigmoid())
        return nn.Sequential(*layers)
    return build


@pytest.mark.parametrize("changes, hint", [
    ({"in_channels": 3}, "conditional"),
    ({"sigmoid": True}, "Remove the Sigmoid"),
    ({"strides": (2, 2, 2)}, "stride 1"),
    ({"bias": True}, "parameters, expected"),
])
def test_patchgan_mistakes(changes, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_patchgan(_patchgan(**changes))


def _bce_against(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def _bce(logits):
    return _bce_against(logits, 1.0)


@pytest.mark.parametrize("loss, hint", [
    (lambda logits, f, t, lam=100.0: _bce(logits) + F.l1_loss(f, t), "lambda is missing"),
    (lambda logits, f, t, lam=100.0: _bce(logits) + lam * F.mse_loss(f, t), "L2"),
    (lambda logits, f, t, lam=100.0: lam * F.l1_loss(f, t), "adversarial term is missing"),
    (lambda logits, f, t, lam=100.0: _bce_against(logits, 0.0) + lam * F.l1_loss(f, t), "'fake'"),
    (lambda logits, f, t, lam=100.0: F.binary_cross_entropy(torch.sigmoid(logits), torch.ones_like(logits))
     + lam * F.l1_loss(f, t), "from logits"),
])
def test_generator_loss_mistakes(loss, hint):
    with pytest.raises(CheckFailed, match=hint):
        checks.check_pix2pix_generator_loss(loss)


def _label_map():
    return cmp.colorize(cmp.random_facade(64, torch.Generator().manual_seed(0))).float() / 127.5 - 1


def test_paint_puts_the_class_colour_exactly_inside_the_rectangle():
    painted = paint(torch.zeros(3, 64, 64) - 1, [("door", 0.25, 0.5, 0.5, 0.25)])
    door = cmp.PALETTE[cmp.CLASSES.index("door")].float() / 127.5 - 1
    inside = painted[:, 16:48, 32:48]
    assert torch.allclose(inside, door[:, None, None].expand_as(inside))
    assert (painted[:, :16] == -1).all() and (painted[:, :, :32] == -1).all()
    with pytest.raises(ValueError, match="not a CMP class"):
        paint(torch.zeros(3, 8, 8), [("chimney", 0, 0, 1, 1)])


def test_the_editor_redraws_on_every_control_and_keeps_its_rectangles():
    torch.manual_seed(0)
    editor = facade_editor(UnetGenerator(n_downs=6, ngf=8), _label_map())
    assert editor.sliders["top"].continuous_update == (editor.render_ms < 50)
    frames = [editor.image.value]
    editor.sliders["left"].value = 0.1
    frames.append(editor.image.value)
    editor.picker.value = "door"
    frames.append(editor.image.value)
    assert len(set(frames)) == 3  # the pending rectangle moved, then changed class: new label map, new photo
    editor.buttons["add"].click()
    editor.sliders["top"].value = 0.7
    editor.buttons["add"].click()
    assert [r[0] for r in editor.rectangles] == ["door", "door"]
    editor.buttons["undo"].click()
    assert len(editor.rectangles) == 1
    editor.buttons["clear"].click()
    assert editor.rectangles == []
    with pytest.raises(ValueError, match="one picture"):
        facade_editor(UnetGenerator(n_downs=6, ngf=8), _label_map()[None])
