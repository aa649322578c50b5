"""What lecture 10's full mode costs: each training step, and drawing digits, timed at full mode's sizes.

    python benchmarks/density_full_mode.py              # any device; CUDA when there is one
    BENCH_SMOKE=1 python benchmarks/density_full_mode.py  # one timed step of each, a 3x3 sample

The models and batches are the notebook's (solutions/10_density_and_ethics.ipynb, full mode): the
PixelCNN at width 32, lecture 2's VAE, DCGAN-28 at width 64 and the detector, batches of 64.
Random pictures stand in for the digits: a step's cost does not depend on them. The last lines
multiply each step cost by full mode's number of steps (50,000 training digits), and time drawing
64 digits pixel by pixel, the notebook's full-mode sample.
"""

import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import adam_trainer, seconds_per_call, smoke  # noqa: E402

from gancourse import losses, steps  # noqa: E402
from gancourse.forensics import RealOrGenerated  # noqa: E402
from gancourse.models.autoencoder import VAE  # noqa: E402
from gancourse.models.gan import DCGANDiscriminator, DCGANGenerator  # noqa: E402
from gancourse.models.pixelcnn import PixelCNN  # noqa: E402

WARM_UP, TIMED = smoke(3, 1), smoke(20, 1)
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
STEPS_PER_EPOCH = 50_000 // 64
FULL_EPOCHS = {"PixelCNN": 30, "VAE": 30, "DCGAN-28": 20, "detector": 5}


def main() -> int:
    torch.manual_seed(0)
    binary = (torch.rand(64, 1, 28, 28, device=DEVICE) < 0.2).float()
    grey = binary * 2 - 1
    pixelcnn = PixelCNN(hidden=32).to(DEVICE)
    generator = DCGANGenerator(ngf=64, channels=1, image_size=28).to(DEVICE)
    discriminator = DCGANDiscriminator(ndf=64, channels=1, image_size=28).to(DEVICE)
    g_optimizer = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    labels = torch.arange(64, device=DEVICE).remainder(2).float()

    def negative_elbo(vae):
        x_hat, mu, logvar = vae(binary)
        return losses.vae_loss(x_hat, binary, mu, logvar)[0]

    runs = {
        "PixelCNN": adam_trainer(pixelcnn, lambda m: losses.bernoulli_nll(m(binary), binary).mean()),
        "VAE": adam_trainer(VAE().to(DEVICE), negative_elbo),
        "DCGAN-28": lambda: steps.gan_step(generator, discriminator, g_optimizer, d_optimizer, [grey], device=DEVICE),
        "detector": adam_trainer(RealOrGenerated().to(DEVICE),
                            lambda m: F.binary_cross_entropy_with_logits(m(grey), labels)),
    }
    print(f"device: {DEVICE}; {TIMED} timed steps after {WARM_UP} warm-up steps each")
    total = 0.0
    for name, step in runs.items():
        cost = seconds_per_call(step, DEVICE, WARM_UP, TIMED)
        seconds = cost * STEPS_PER_EPOCH * FULL_EPOCHS[name]
        total += seconds
        print(f"{name:<9} {cost * 1000:7.1f} ms a step x {STEPS_PER_EPOCH * FULL_EPOCHS[name]:>6,} steps = "
              f"{seconds / 60:6.1f} min")
    n, size = smoke(64, 3), smoke(28, 3)
    sampling = seconds_per_call(lambda: pixelcnn.sample(n, size=size), DEVICE, warm_up=0, timed=1)
    total += sampling
    print(f"PixelCNN sampling: {n} digits of {size}x{size} in {sampling:.1f} s")
    print(f"full mode's training and sampling on {DEVICE}: {total / 60:.0f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
