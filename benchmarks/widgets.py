"""How long one slider move takes to redraw, per model of the course, against a matplotlib redraw.

    python benchmarks/widgets.py        # BENCH_SMOKE=1: 3 frames a model

A slider move costs a decode, the pixels and their PNG for the Image widget. The usual
alternative, `ipywidgets.interact` around `plt.imshow`, costs the same decode plus a
matplotlib figure rendered to PNG by the inline backend; both are timed here in one run, on
the same codes (untrained weights: the time does not depend on them). Target: a 28x28
model's frame under 50 ms (widgets.RESPONSIVE_MS), so sliders update while being dragged.
"""

import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from gancourse import latent, widgets  # noqa: E402
from gancourse.models import VAE, ConvVAE, MLPAutoencoder  # noqa: E402
from gancourse.models.gan import DCGANGenerator, MLPGenerator  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import smoke  # noqa: E402

REPEATS = smoke(30, 3)

MODELS = {
    "01 MLP autoencoder (3-d)": (MLPAutoencoder(latent_dim=3), None),
    "02 VAE (2-d)": (VAE(latent_dim=2), None),
    "02 conv VAE (20-d)": (ConvVAE(latent_dim=20), None),
    "03 MLP generator": (MLPGenerator(), None),
    "05 conditional MLP generator": (MLPGenerator(n_classes=10), 8),
    "05 conditional DCGAN-28": (DCGANGenerator(channels=1, image_size=28, n_classes=10), 8),
    "04 DCGAN generator, 64x64x3": (DCGANGenerator(), None),
}


SHOWN = ipywidgets.Image(format="png")


def widget_frame(lm, z, label):
    widgets._show(SHOWN, latent.render_point(lm, z, label))  # exactly what the explorers do on a slider move


def matplotlib_frame(lm, z, label):
    images = lm.images(z[None], label)
    fig, ax = plt.subplots(figsize=(2.5, 2.5))
    ax.imshow(latent.pixels(images, lm.value_range), cmap="gray")
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")  # what the inline backend does for every redraw
    plt.close(fig)
    return buffer.getvalue()


def median_ms(frame, lm, codes, label):
    frame(lm, codes[0], label)  # warm-up
    times = []
    for z in codes:
        start = time.perf_counter()
        frame(lm, z, label)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main():
    torch.manual_seed(0)
    print(f"one slider move, median of {REPEATS} frames ({torch.get_num_threads()} threads, CPU)")
    print(f"{'model':32s} {'widget':>9s} {'matplotlib':>11s} {'ratio':>6s}  drag")
    slowest_28 = 0.0
    for name, (model, label) in MODELS.items():
        lm = latent.latent_model(model.eval())
        codes = torch.randn(REPEATS, lm.latent_dim)
        ours, theirs = median_ms(widget_frame, lm, codes, label), median_ms(matplotlib_frame, lm, codes, label)
        live = "live" if ours < widgets.RESPONSIVE_MS else "on release"
        print(f"{name:32s} {ours:7.2f} ms {theirs:8.2f} ms {theirs / ours:5.1f}x  {live}")
        if "64x64" not in name:
            slowest_28 = max(slowest_28, ours)
    verdict = "meets" if slowest_28 < widgets.RESPONSIVE_MS else "MISSES"
    print(f"slowest 28x28 frame {slowest_28:.2f} ms: {verdict} the {widgets.RESPONSIVE_MS:.0f} ms target")


if __name__ == "__main__":
    main()
