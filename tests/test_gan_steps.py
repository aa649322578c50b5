"""The reference GAN step: D frozen during G's update and unfrozen after, fakes detached, k D steps."""

import torch
import torch.nn as nn

from gancourse import steps
from gancourse.models.gan import MLPDiscriminator, MLPGenerator


def pair(conditional=False):
    torch.manual_seed(0)
    n_classes = 10 if conditional else 0
    generator, discriminator = MLPGenerator(latent_dim=8, n_classes=n_classes), MLPDiscriminator(n_classes=n_classes)
    return (generator, discriminator, torch.optim.SGD(generator.parameters(), lr=0.01),
            torch.optim.SGD(discriminator.parameters(), lr=0.01))


def test_generator_update_gives_d_no_gradient_and_unfreezes_it_after():
    generator, discriminator, g_optimizer, _ = pair()
    discriminator.zero_grad(set_to_none=True)
    steps.generator_update(generator, discriminator, g_optimizer, 16)
    assert all(p.grad is None for p in discriminator.parameters())
    assert all(p.grad is not None for p in generator.parameters())
    assert all(p.requires_grad for p in discriminator.parameters())
    # ... and D learns again at its next update
    before = [p.clone() for p in discriminator.parameters()]
    steps.discriminator_update(generator, discriminator, torch.optim.SGD(discriminator.parameters(), lr=0.01),
                               torch.rand(16, 1, 28, 28) * 2 - 1)
    assert all(p.grad is not None for p in discriminator.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, discriminator.parameters(), strict=True))


def test_discriminator_update_leaves_g_untouched():
    generator, discriminator, _, d_optimizer = pair()
    generator.zero_grad(set_to_none=True)
    before = [p.clone() for p in generator.parameters()]
    steps.discriminator_update(generator, discriminator, d_optimizer, torch.rand(16, 1, 28, 28) * 2 - 1)
    assert all(p.grad is None for p in generator.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, generator.parameters(), strict=True))


def test_d_is_unfrozen_even_when_the_generator_loss_fails():
    generator, discriminator, g_optimizer, _ = pair()

    def broken(_):
        raise RuntimeError("boom")

    try:
        steps.generator_update(generator, discriminator, g_optimizer, 4, g_loss=broken)
    except RuntimeError:
        pass
    assert all(p.requires_grad for p in discriminator.parameters())


def test_gan_step_takes_k_discriminator_steps_per_generator_step():
    generator, discriminator, g_optimizer, d_optimizer = pair()
    counts = {"d": 0, "g": 0}
    for optimizer, key in ((d_optimizer, "d"), (g_optimizer, "g")):
        original = optimizer.step

        def counted(*args, _original=original, _key=key, **kwargs):
            counts[_key] += 1
            return _original(*args, **kwargs)

        optimizer.step = counted
    result = steps.gan_step(generator, discriminator, g_optimizer, d_optimizer,
                            (torch.rand(8, 1, 28, 28) * 2 - 1,), k=3)
    assert counts == {"d": 3, "g": 1}
    assert set(result) == {"D", "G"} and all(isinstance(v, float) for v in result.values())


def test_conditional_step_passes_the_batch_labels_to_both_players():
    generator, discriminator, g_optimizer, d_optimizer = pair(conditional=True)
    seen = []
    discriminator.register_forward_hook(lambda module, inputs, output: seen.append(inputs[1].tolist()))
    labels = torch.tensor([3, 8, 9, 3])
    steps.gan_step(generator, discriminator, g_optimizer, d_optimizer, (torch.rand(4, 1, 28, 28), labels),
                   conditional=True)
    assert seen and all(s == labels.tolist() for s in seen)


def test_set_requires_grad_freezes_and_unfreezes():
    model = nn.Linear(2, 2)
    steps.set_requires_grad(model, False)
    assert not any(p.requires_grad for p in model.parameters())
    steps.set_requires_grad(model, True)
    assert all(p.requires_grad for p in model.parameters())
