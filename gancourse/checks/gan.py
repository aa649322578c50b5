"""Self-checks of lectures 3-5: the adversarial losses, the training step, DCGAN blocks, conditioning."""

import copy

import torch
import torch.nn as nn

from .. import config, losses
from ..models.gan import discriminator_block, generator_block
from .common import CheckFailed, images, passed, require


def _value(result) -> float:
    require(isinstance(result, torch.Tensor) and result.dim() == 0,
            f"The loss should be one number (a 0-d tensor), got {type(result).__name__} "
            f"{list(getattr(result, 'shape', []))}. Average over the batch with .mean().")
    return float(result)


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-4 * max(1.0, abs(b))


def check_discriminator_loss(discriminator_loss) -> None:
    """J(D) = -1/2 E[log D(x)] - 1/2 E[log(1 - D(G(z)))], computed from logits."""
    torch.manual_seed(0)
    real, fake = torch.randn(16) + 1, torch.randn(16) - 1
    expected = float(losses.discriminator_loss(real, fake))
    got = _value(discriminator_loss(real, fake))
    if _near(got, 2 * expected):
        raise CheckFailed(f"Got {got:.4f}, twice the expected {expected:.4f}: J(D) weighs each half by 1/2.")
    if _near(got, float(losses.discriminator_loss(fake, real))):
        raise CheckFailed("Real and fake are swapped: D should say 1 (real) for x and 0 (fake) for G(z).")
    require(_near(got, expected), f"Got {got:.4f}, expected {expected:.4f}. Use binary cross-entropy with target 1 "
            "for the real logits and 0 for the fake ones, each averaged, and take half of their sum.")
    extreme = torch.tensor([120.0, -120.0])
    far = float(discriminator_loss(extreme, -extreme))
    require(abs(far - 60.0) < 1e-2, f"With logits of +-120 the loss should be 60 (a confident, wrong D), got {far}. "
            "sigmoid(x) rounds to 0 or 1 there and log gives inf: use F.binary_cross_entropy_with_logits.")
    passed("discriminator loss")


def check_generator_loss(generator_loss) -> None:
    """The non-saturating -E[log D(G(z))], from logits."""
    fake = torch.linspace(-6, 3, 16)
    expected = float(losses.nonsaturating_generator_loss(fake))
    got = _value(generator_loss(fake))
    if _near(got, float(losses.minimax_generator_loss(fake))):
        raise CheckFailed("This is the saturating loss E[log(1 - D(G(z)))]: its gradient vanishes when D(G(z)) is "
                          "near 0. Minimise -E[log D(G(z))] instead (target 'real' for the fakes).")
    require(_near(got, expected), f"Got {got:.4f}, expected {expected:.4f}: -mean(log D(G(z))), i.e. binary "
            "cross-entropy of the fake logits against the label 1.")
    far = float(generator_loss(torch.tensor([-200.0])))
    require(abs(far - 200.0) < 1e-2, f"For a logit of -200 the loss should be 200, got {far}: compute it from logits.")
    passed("non-saturating generator loss")


class _TinyGenerator(nn.Module):
    latent_dim = 4

    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 6)

    def forward(self, z):
        return torch.tanh(self.net(z)).view(-1, 1, 2, 3)


class _TinyDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(6, 1)

    def forward(self, x):
        return self.net(x.flatten(1)).view(-1)


def check_gan_step(train_step) -> None:
    """`train_step(generator, discriminator, g_optimizer, d_optimizer, batch, k=1) -> {"D": ..., "G": ...}`."""
    device = config.device()
    torch.manual_seed(0)
    generator, discriminator = _TinyGenerator().to(device), _TinyDiscriminator().to(device)
    g_optimizer = torch.optim.SGD(generator.parameters(), lr=0.05)
    d_optimizer = torch.optim.SGD(discriminator.parameters(), lr=0.05)
    seen = {"d_steps": 0, "g_steps": 0, "g_grads_at_d_step": [], "d_trainable_at_g_step": []}

    def spy(optimizer, record):
        original = optimizer.step

        def step(*args, **kwargs):
            record()
            return original(*args, **kwargs)

        optimizer.step = step

    def at_d_step():
        seen["d_steps"] += 1
        seen["g_grads_at_d_step"].append(any(p.grad is not None and p.grad.abs().sum() > 0
                                             for p in generator.parameters()))

    def at_g_step():
        seen["g_steps"] += 1
        seen["d_trainable_at_g_step"].append(any(p.requires_grad for p in discriminator.parameters()))

    spy(d_optimizer, at_d_step)
    spy(g_optimizer, at_g_step)
    batch = (images(32, seed=3, shape=(1, 2, 3)), torch.zeros(32, dtype=torch.long))
    z = torch.randn(256, 4, device=device)
    before_g, before_d = copy.deepcopy(generator), copy.deepcopy(discriminator)
    result = train_step(generator, discriminator, g_optimizer, d_optimizer, batch, k=1)

    require(isinstance(result, dict) and {"D", "G"} <= set(result),
            'train_step should return the two losses as {"D": d_loss.item(), "G": g_loss.item()}.')
    require(seen["d_steps"] == 1 and seen["g_steps"] == 1,
            f"With k=1 there should be one D step and one G step; got {seen['d_steps']} and {seen['g_steps']}.")
    require(not any(seen["g_grads_at_d_step"]),
            "Gradients reached G during D's update: detach the fakes (G(z).detach(), or make them under "
            "torch.no_grad()) before D judges them. D's step must not train G.")
    require(not any(seen["d_trainable_at_g_step"]),
            "D was not frozen during G's update: set requires_grad to False on D's parameters "
            "(set_requires_grad(discriminator, False)) before G's loss, as in the lecture's freeze(model_D).")
    require(all(p.requires_grad for p in discriminator.parameters()),
            "D is still frozen after the step: unfreeze it (set_requires_grad(discriminator, True)) after G's update, "
            "or D cannot learn at the next step.")
    with torch.no_grad():
        real_score_gain = (discriminator(batch[0].to(device)) - before_d(batch[0].to(device))).mean()
        fooled_before = discriminator(before_g(z)).mean()
        fooled_after = discriminator(generator(z)).mean()
    require(real_score_gain > 0, "After D's step, D should score the real images higher: real target 1, fake 0.")
    require(fooled_after > fooled_before,
            "After G's step, D should score G's images higher than before: G's loss must push D(G(z)) "
            "towards 'real' (the non-saturating loss), not towards 'fake'.")

    seen.update(d_steps=0, g_steps=0)
    train_step(generator, discriminator, g_optimizer, d_optimizer, batch, k=3)
    require(seen["d_steps"] == 3 and seen["g_steps"] == 1,
            f"With k=3 there should be 3 D steps, then one G step; got {seen['d_steps']} and {seen['g_steps']}.")
    passed("GAN training step")


def _layers(block) -> list:
    """Each layer as (type, settings) for comparison."""
    out = []
    for layer in block.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            out.append((type(layer).__name__, layer.in_channels, layer.out_channels, layer.kernel_size,
                        layer.stride, layer.padding, layer.bias is not None))
        elif isinstance(layer, nn.BatchNorm2d):
            out.append(("BatchNorm2d", layer.num_features))
        elif isinstance(layer, nn.LeakyReLU):
            out.append(("LeakyReLU", layer.negative_slope))
        elif isinstance(layer, (nn.ReLU, nn.Tanh, nn.Sigmoid)):
            out.append((type(layer).__name__,))
    return out


def _compare_block(student, reference, what: str, hints: dict) -> None:
    got, expected = _layers(student), _layers(reference)
    if got == expected:
        return
    names = [layer[0] for layer in got]
    for mistake, hint in hints.items():
        if mistake(got, expected, names):
            raise CheckFailed(f"{what}: {hint}")
    raise CheckFailed(f"{what}: got layers {names}, expected {[layer[0] for layer in expected]} "
                      f"(with the given channels, kernel, stride and padding).")


def _common_hints(conv: str) -> dict:
    return {
        (lambda g, e, n: any(layer[0] == conv and layer[-1] for layer in g)):
            "use bias=False in the convolution: the BatchNorm after it has its own shift.",
        (lambda g, e, n: "Sigmoid" in n): "no Sigmoid: the losses take logits.",
        (lambda g, e, n: [layer[3:6] for layer in g if layer[0] == conv] != [x[3:6] for x in e if x[0] == conv]):
            "pass kernel_size, stride and padding on to the convolution.",
    }


def check_generator_block(generator_block_fn) -> None:
    """ConvTranspose2d (no bias) -> BatchNorm2d -> ReLU, and ConvTranspose2d -> Tanh for the final block."""
    hints = _common_hints("ConvTranspose2d") | {
        (lambda g, e, n: "LeakyReLU" in n): "the generator uses ReLU; LeakyReLU belongs to the discriminator.",
        (lambda g, e, n: n[0] == "Conv2d"): "the generator grows the picture: use nn.ConvTranspose2d.",
        (lambda g, e, n: e[-1] == ("Tanh",) and "BatchNorm2d" in n): "no BatchNorm in G's output block.",
    }
    for args, kwargs in [((100, 512, 4, 1, 0), {}), ((512, 256), {}), ((64, 3), {"final": True})]:
        _compare_block(generator_block_fn(*args, **kwargs), generator_block(*args, **kwargs),
                       f"generator_block{args}{' final' if kwargs else ''}", hints)
    passed("generator block")


def check_discriminator_block(discriminator_block_fn) -> None:
    """Conv2d (no bias) -> BatchNorm2d -> LeakyReLU(0.2); no BatchNorm when first; a bare Conv2d when final."""
    hints = _common_hints("Conv2d") | {
        (lambda g, e, n: "ReLU" in n): "the discriminator uses nn.LeakyReLU(0.2), not ReLU.",
        (lambda g, e, n: any(layer[0] == "LeakyReLU" and layer[1] != 0.2 for layer in g)): "the slope is 0.2.",
        (lambda g, e, n: "ConvTranspose2d" in n): "the discriminator shrinks the picture: use nn.Conv2d.",
        (lambda g, e, n: len(e) == 2 and "BatchNorm2d" in n): "no BatchNorm on D's first block (its input).",
    }
    for args, kwargs in [((3, 64), {"first": True}), ((64, 128), {}), ((512, 1, 4, 1, 0), {"final": True})]:
        _compare_block(discriminator_block_fn(*args, **kwargs), discriminator_block(*args, **kwargs),
                       f"discriminator_block{args} {kwargs or ''}".rstrip(), hints)
    passed("discriminator block")


def _conditional_pair_check(student_class, name: str, call) -> None:
    """The student's forward against the package class's own conditioning, on the same weights.

    The notebook's classes subclass a package model (DCGANGenerator, MLPDiscriminator, ...) that
    already knows how to take the label; only `forward` is the exercise, so the reference is the
    parent class's forward on the very same module.
    """
    student = student_class()
    require(getattr(student, "n_classes", 0) == 10,
            f"{name} was built without room for the label: pass n_classes=10 to the parent class.")
    parent = next((c for c in type(student).__mro__[1:] if c.__module__.startswith("gancourse.")), None)
    require(parent is not None, f"{name} should subclass the package's model, as the notebook's class does.")
    student.eval()
    labels = torch.arange(8) % 10
    with torch.no_grad():
        got = call(student, labels)
        expected = call(lambda *args: parent.forward(student, *args), labels)
        other = call(student, (labels + 1) % 10)
    require(got.shape == expected.shape, f"{name} gives shape {list(got.shape)}, expected {list(expected.shape)}.")
    require(not torch.allclose(got, other),
            f"{name} ignores the label: concatenate F.one_hot(labels, 10) to its input.")
    require(torch.allclose(got, expected, atol=1e-5),
            f"{name} uses the label differently from the reference: the input comes first and the one-hot label "
            "after it, along dimension 1, made with F.one_hot(labels, self.n_classes).float().")


def check_conditional_generator(generator_class) -> None:
    """G(z, y): the noise and the one-hot label, concatenated, through the parent generator's layers."""
    torch.manual_seed(0)
    z = torch.randn(8, 100)
    _conditional_pair_check(generator_class, "The conditional generator", lambda model, labels: model(z, labels))
    passed("conditional generator")


def check_conditional_discriminator(discriminator_class) -> None:
    """D(x, y): the image and the label (concatenated flat, or as constant planes) through the parent's layers."""
    torch.manual_seed(0)
    x = images(8)
    _conditional_pair_check(discriminator_class, "The conditional discriminator",
                            lambda model, labels: model(x, labels))
    passed("conditional discriminator")


class _LabelledTiny(nn.Module):
    """A tiny conditional model that remembers the labels of every call, so the check can see who got which."""

    latent_dim = 4

    def __init__(self, role: str, inputs: int, outputs: int, shape):
        super().__init__()
        self.role, self.net, self.shape, self.calls = role, nn.Linear(inputs + 10, outputs), shape, []

    def forward(self, x, labels=None):
        require(labels is not None, f"{self.role} was called without labels: pass the labels, {self.role}(x, labels).")
        self.calls.append((x.requires_grad, labels.detach().cpu().clone()))
        y = nn.functional.one_hot(labels.long(), 10).float()
        return self.net(torch.cat([x.flatten(1), y], 1)).view(*self.shape)


def check_conditional_gan_step(train_step) -> None:
    """`train_step(generator, discriminator, g_optimizer, d_optimizer, batch)` of the conditional GAN.

    The fakes are made for the batch's own labels, and D judges real and fake images together
    with the labels they came with; otherwise it is lecture 3's step (detached fakes, frozen D).
    """
    device = config.device()
    torch.manual_seed(0)
    generator = _LabelledTiny("G", 4, 6, (-1, 1, 2, 3)).to(device)
    discriminator = _LabelledTiny("D", 6, 1, (-1,)).to(device)
    g_optimizer = torch.optim.SGD(generator.parameters(), lr=0.05)
    d_optimizer = torch.optim.SGD(discriminator.parameters(), lr=0.05)
    labels = torch.tensor([3, 8, 9, 3, 1, 7, 0, 2] * 4)
    batch = (images(32, seed=4, shape=(1, 2, 3)), labels)
    frozen_at_g_step = []
    original_step = g_optimizer.step

    def g_step(*args, **kwargs):
        frozen_at_g_step.append(not any(p.requires_grad for p in discriminator.parameters()))
        return original_step(*args, **kwargs)

    g_optimizer.step = g_step
    result = train_step(generator, discriminator, g_optimizer, d_optimizer, batch)
    require(isinstance(result, dict) and {"D", "G"} <= set(result),
            'train_step should return the two losses as {"D": d_loss.item(), "G": g_loss.item()}.')
    require(len(generator.calls) >= 2, f"G was called {len(generator.calls)} time(s): make fakes once for D's step "
            "and once more (fresh noise) for G's step.")
    for _, given in generator.calls:
        if not torch.equal(given, labels):
            raise CheckFailed("G made fakes for other labels than the batch's (random labels?). Make the fakes for "
                              "the batch's own labels, G(z, labels), so that D sees real and fake 3s alike.")
    judged = [given for _, given in discriminator.calls]
    require(len(judged) >= 3, "D should judge the real batch and the fakes in D's step, and the fakes again in G's.")
    require(all(torch.equal(given, labels) for given in judged),
            "D judged an image with a label it did not come with: give D the real images with their labels and "
            "each fake with the label G drew it for.")
    require(frozen_at_g_step == [True], "D was not frozen during G's update: set_requires_grad(discriminator, False) "
            "before G's loss, and back to True after it.")
    require(all(p.requires_grad for p in discriminator.parameters()), "D is still frozen after the step: unfreeze it.")
    passed("conditional GAN training step")
