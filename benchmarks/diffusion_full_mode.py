"""What lecture 11's full mode costs: each training step and each sampler, timed at full mode's sizes.

    python benchmarks/diffusion_full_mode.py              # any device; CUDA when there is one
    BENCH_SMOKE=1 python benchmarks/diffusion_full_mode.py  # one timed step of each, tiny samples

The sizes are the notebook's full mode (solutions/11_diffusion.ipynb): the conditional U-Net at
widths 64, 128, 128 (1,988,578 parameters) for DDPM and for flow matching, 15,000 steps of 128
digits each; DCGAN-28 and the conditional GAN at width 64, 10,000 steps of 64; the toy MLP's three
runs of 3,000 steps. Sampling: 1,000 digits for each of DDIM's 1,000, 250, 50, 20 and 10 steps, flow
matching's 50, 20, 10, 5 and 2, section 3's DDIM-50 samples and the guidance sweep (four weights,
10 steps, two passes a step): one pass timed, times the number of passes. Random pictures stand in
for the digits: a step's cost does not depend on them. The scoreboard's other families load their
lectures' checkpoints in full mode: their training is those lectures' cost (density_full_mode.py,
frontier_full_mode.py, wgan_full_mode.py).
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import adam_trainer, seconds_per_call, smoke  # noqa: E402

from gancourse import diffusion, flow_matching, steps  # noqa: E402
from gancourse.data.ring import ring_of_gaussians  # noqa: E402
from gancourse.models.diffusion_unet import DiffusionUNet, TimeMLP  # noqa: E402
from gancourse.models.gan import DCGANDiscriminator, DCGANGenerator  # noqa: E402

WARM_UP, TIMED = smoke(3, 1), smoke(10, 1)
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
WIDTHS = smoke((64, 128, 128), (16, 32, 32))
DIFFUSION_STEPS, GAN_STEPS, TOY_STEPS = 15_000, 10_000, 3_000
N_SAMPLES = smoke(1000, 4)
SWEEPS = {"DDIM": [1000, 250, 50, 20, 10], "flow, Euler": [50, 20, 10, 5, 2]}


def main() -> int:
    torch.manual_seed(0)
    schedule = diffusion.NoiseSchedule.linear()
    digits = torch.rand(128, 1, 28, 28, device=DEVICE) * 2 - 1
    labels = torch.randint(10, (128,), device=DEVICE)
    ddpm, flow = (DiffusionUNet(WIDTHS, n_classes=10).to(DEVICE) for _ in range(2))
    toy = TimeMLP().to(DEVICE)
    gans = {}
    for name, classes in (("DCGAN-28", 0), ("conditional GAN", 10)):
        g = DCGANGenerator(ngf=64, channels=1, image_size=28, n_classes=classes).to(DEVICE)
        d = DCGANDiscriminator(ndf=64, channels=1, image_size=28, n_classes=classes).to(DEVICE)
        optimizers = [torch.optim.Adam(m.parameters(), 2e-4, betas=(0.5, 0.999)) for m in (g, d)]
        batch = [digits[:64], labels[:64]]
        gans[name] = (lambda g=g, d=d, o=optimizers, b=batch, c=classes:
                      steps.gan_step(g, d, *o, b, conditional=bool(c), device=DEVICE))
    training = {
        "DDPM U-Net": (adam_trainer(ddpm, lambda m: diffusion.ddpm_loss(m, schedule, digits, labels)), DIFFUSION_STEPS),
        "flow-matching U-Net": (adam_trainer(flow, lambda m: flow_matching.flow_matching_loss(m, digits, labels)),
                                DIFFUSION_STEPS),
        "DCGAN-28": (gans["DCGAN-28"], GAN_STEPS),
        "conditional GAN": (gans["conditional GAN"], GAN_STEPS),
        "toy MLP (three runs)": (adam_trainer(toy, lambda m: diffusion.ddpm_loss(
            m, schedule, ring_of_gaussians(256).to(DEVICE))), 3 * TOY_STEPS),
    }
    print(f"device: {DEVICE}; {TIMED} timed steps after {WARM_UP} warm-up steps each")
    total = 0.0
    for name, (step, count) in training.items():
        cost = seconds_per_call(step, DEVICE, WARM_UP, TIMED)
        total += cost * count
        print(f"{name:<21} {cost * 1000:7.1f} ms a step x {count:>6,} steps = {cost * count / 60:6.1f} min")
    # A sampler's cost is its number of network passes times one pass: one pass over N_SAMPLES digits is timed
    # (two for the guided ones, which ask with and without the class), as the training steps are.
    time_now = torch.full((N_SAMPLES,), 500, device=DEVICE)
    noisy = torch.randn(N_SAMPLES, 1, 28, 28, device=DEVICE)
    asked = torch.arange(N_SAMPLES, device=DEVICE) % 10
    with torch.no_grad():
        one_pass = seconds_per_call(lambda: ddpm(noisy, time_now), DEVICE, 1, smoke(3, 1))
        guided_pass = seconds_per_call(lambda: diffusion.guided(flow, noisy, time_now, asked, 3.0), DEVICE, 1,
                                       smoke(3, 1))
    passes = sum(SWEEPS["DDIM"]) + sum(SWEEPS["flow, Euler"]) + 50 + 20  # the sweeps, and section 3's DDIM-50 twice
    sampling = passes * one_pass + 4 * 10 * guided_pass  # the guidance sweep: four weights, 10 steps
    print(f"one pass over {N_SAMPLES} digits: {one_pass:.2f} s ({guided_pass:.2f} s guided); {passes:,} unguided "
          f"and {4 * 10} guided passes: {sampling / 60:.1f} min")
    total += sampling
    print(f"full mode's training and sampling on {DEVICE}: {total / 60:.0f} min "
          f"({sampling / 60:.0f} min of it sampling)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
