"""What lecture 9's full mode costs: each model's training step timed at full mode's sizes.

    python benchmarks/frontier_full_mode.py              # any device; CUDA when there is one
    BENCH_SMOKE=1 python benchmarks/frontier_full_mode.py  # one timed step of each

The networks, losses and optimisers are the notebook's (solutions/09_frontier.ipynb, full mode):
DCGAN-28 and SAGAN at width 64 (attention at 14x14), ProGAN at widths 32/16/8 with the equalised
learning rate and batches of 32, timed at each stage, StyleGAN at widths 128/64/32 with mixing
regularisation. Random pictures stand in for the digits: a step's cost does not depend on them.
The last lines multiply each step cost by full mode's number of steps (two seeds each for DCGAN-28
and SAGAN), the estimate of the notebook's full-mode training on this device.
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import seconds_per_call, smoke  # noqa: E402

from gancourse import losses, steps  # noqa: E402
from gancourse.models.attention import SAGANDiscriminator, SAGANGenerator  # noqa: E402
from gancourse.models.gan import DCGANDiscriminator, DCGANGenerator  # noqa: E402
from gancourse.models.progan import ProGANDiscriminator, ProGANGenerator, real_images  # noqa: E402
from gancourse.models.stylegan import StyleGANGenerator  # noqa: E402

WARM_UP, TIMED = smoke(3, 1), smoke(20, 1)
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
FULL_STEPS = {"DCGAN-28": 2 * 25 * 937, "SAGAN": 2 * 25 * 937, "ProGAN 7 px": 1500, "ProGAN 14 px": 3000,
              "ProGAN 28 px": 3000, "StyleGAN": 5000}


def adam(model, lr, betas):
    return torch.optim.Adam(model.parameters(), lr, betas=betas)


def gan_pair_step(generator, discriminator, d_loss, g_loss, lrs, betas, batch=64):
    g_optimizer, d_optimizer = adam(generator, lrs[0], betas), adam(discriminator, lrs[1], betas)
    real = torch.rand(batch, 1, 28, 28, device=DEVICE) * 2 - 1
    return lambda: steps.gan_step(generator, discriminator, g_optimizer, d_optimizer, [real], d_loss=d_loss,
                                  g_loss=g_loss, device=DEVICE)


def progan_step(stage, batch=32):
    generator = ProGANGenerator(latent_dim=100, widths=(32, 16, 8), equalized=True).to(DEVICE)
    discriminator = ProGANDiscriminator(widths=(32, 16, 8), equalized=True).to(DEVICE)
    g_optimizer, d_optimizer = adam(generator, 1e-3, (0.0, 0.99)), adam(discriminator, 1e-3, (0.0, 0.99))
    real = real_images(torch.rand(batch, 1, 28, 28, device=DEVICE) * 2 - 1, stage, 0.5)

    def step():
        z = torch.randn(batch, 100, device=DEVICE)
        with torch.no_grad():
            fake = generator(z, stage, 0.5)
        loss = losses.discriminator_loss(discriminator(real, stage, 0.5), discriminator(fake, stage, 0.5))
        d_optimizer.zero_grad()
        loss.backward()
        d_optimizer.step()
        with steps.frozen(discriminator):
            loss = losses.nonsaturating_generator_loss(discriminator(generator(z, stage, 0.5), stage, 0.5))
        g_optimizer.zero_grad()
        loss.backward()
        g_optimizer.step()

    return step


def stylegan_step(batch=64):
    generator = StyleGANGenerator(latent_dim=64, w_dim=64, widths=(128, 64, 32)).to(DEVICE)
    discriminator = DCGANDiscriminator(ndf=64, channels=1, image_size=28).to(DEVICE)
    g_optimizer, d_optimizer = adam(generator, 1e-3, (0.0, 0.99)), adam(discriminator, 1e-3, (0.0, 0.99))
    real = torch.rand(batch, 1, 28, 28, device=DEVICE) * 2 - 1

    def codes():  # the notebook's mixing regularisation: two codes and a crossover
        return {"z": torch.randn(batch, 64, device=DEVICE), "z2": torch.randn(batch, 64, device=DEVICE), "crossover": 3}

    def step():
        with torch.no_grad():
            fake = generator(**codes())
        loss = losses.discriminator_loss(discriminator(real), discriminator(fake))
        d_optimizer.zero_grad()
        loss.backward()
        d_optimizer.step()
        with steps.frozen(discriminator):
            loss = losses.nonsaturating_generator_loss(discriminator(generator(**codes())))
        g_optimizer.zero_grad()
        loss.backward()
        g_optimizer.step()

    return step


def main() -> int:
    torch.manual_seed(0)
    runs = {
        "DCGAN-28": gan_pair_step(DCGANGenerator(ngf=64, channels=1, image_size=28).to(DEVICE),
                                  DCGANDiscriminator(ndf=64, channels=1, image_size=28).to(DEVICE),
                                  losses.discriminator_loss, losses.nonsaturating_generator_loss, (2e-4, 2e-4),
                                  (0.5, 0.999)),
        "SAGAN": gan_pair_step(SAGANGenerator(ngf=64).to(DEVICE), SAGANDiscriminator(ndf=64).to(DEVICE),
                               losses.hinge_discriminator_loss, losses.hinge_generator_loss, (1e-4, 4e-4), (0.0, 0.9)),
        "ProGAN 7 px": progan_step(0), "ProGAN 14 px": progan_step(1), "ProGAN 28 px": progan_step(2),
        "StyleGAN": stylegan_step(),
    }
    total = 0.0
    print(f"device: {DEVICE}; {TIMED} timed steps after {WARM_UP} warm-up steps each")
    for name, step in runs.items():
        cost = seconds_per_call(step, DEVICE, WARM_UP, TIMED)
        total += cost * FULL_STEPS[name]
        minutes = cost * FULL_STEPS[name] / 60
        print(f"{name:<13} {cost * 1000:8.1f} ms a step x {FULL_STEPS[name]:>6,} steps = {minutes:6.1f} min")
    print(f"full mode's training in all: {total / 3600:.2f} h on this device")
    return 0


if __name__ == "__main__":
    sys.exit(main())
