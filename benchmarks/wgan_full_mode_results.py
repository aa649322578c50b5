"""Lecture 8's full-mode figures, measured with the notebook's own code (best on a GPU: about 8 min on an H100).

    GANCOURSE_OFFLINE=1 python benchmarks/wgan_full_mode_results.py ring      # the remedies on the ring
    GANCOURSE_OFFLINE=1 python benchmarks/wgan_full_mode_results.py digits    # clipping against the penalty
    GANCOURSE_OFFLINE=1 python benchmarks/wgan_full_mode_results.py           # both
    BENCH_SMOKE=1 GANCOURSE_OFFLINE=1 python benchmarks/wgan_full_mode_results.py   # 10 steps a run

`ring`: each remedy of section 5 for full mode's RING_STEPS at RING_LR, its modes counted at five
snapshots. `digits`: section 4's two Wasserstein GANs for WGAN_STEPS at the papers' learning
rates, the judge's Fréchet distance and the critic's W1 estimate at ten snapshots, their
correlation over the second half, and the share of the clipped critic's weights at the bound.
The notebook's full-mode paragraphs quote these figures.
"""

import sys

import numpy as np
import torch
from common import is_smoke
from wgan_full_mode import notebook_definitions

SMOKE_STEPS = 10  # generator steps per run at the smoke size (full mode's budgets otherwise)


def ring_run(nb, method, layer) -> list:
    """The mode counts of one remedy's run on the ring, at five snapshots."""
    torch.manual_seed(0)
    generator = nb["RingGenerator"]().to(nb["device"])
    discriminator = nb["RingDiscriminator"](layer).to(nb["device"])

    def snapshot(step):
        return f"step {step}: {nb['modes_covered'](nb['ring_samples'](generator))}"

    _, counts = nb["train_gan"](generator, discriminator, nb["ring_batch"], nb["RING_STEPS"], nb["RING_LR"],
                                method=method, noise=nb["ring_noise"], batch_size=256, every=nb["RING_STEPS"] // 5,
                                snapshot=snapshot)
    return counts


def ring(nb) -> None:
    for name, method, layer in [("plain GAN", "gan", None), ("minibatch std", "gan", nb["MinibatchStdDev"](4)),
                                ("unrolled (k = 5)", "unrolled", None), ("WGAN-GP", "wgan-gp", None)]:
        print(f"{name} (learning rate {nb['RING_LR']}): " + "; ".join(ring_run(nb, method, layer)), flush=True)


def wasserstein_run(nb, method, lr):
    """Section 4's run of `method`: final scores, (step, W1 estimate, Fréchet distance) at ten snapshots, the critic."""
    torch.manual_seed(0)
    generator, critic = nb["Generator"]().to(nb["device"]), nb["Critic"]().to(nb["device"])
    every = nb["WGAN_STEPS"] // 10

    def snapshot(step):
        return step, nb["judged"](generator).frechet_distance

    history, taken = nb["train_gan"](generator, critic, nb["draw_from"](nb["digits"]), nb["WGAN_STEPS"], lr,
                                     method=method, every=every, snapshot=snapshot)
    curve = [(s, -np.mean(history[s - every:s]), f) for s, f in taken]
    return nb["judged"](generator, 1000), curve, critic


def digits(nb) -> None:
    for method, lr in [("wgan-clip", 5e-5), ("wgan-gp", 1e-4)]:
        final, curve, critic = wasserstein_run(nb, method, lr)
        half = curve[len(curve) // 2:]
        r = np.corrcoef([w for _, w, _ in half], [f for _, _, f in half])[0, 1]
        print(f"{method} (learning rate {lr}): {final}; W1 estimate against Fréchet distance, correlation {r:+.2f} "
              "over the second half")
        print("    " + "; ".join(f"step {s}: W1 {w:.3g}, Fréchet {f:.0f}" for s, w, f in curve))
        if method == "wgan-clip":
            weights = torch.cat([p.detach().flatten() for n, p in critic.named_parameters() if "weight" in n])
            at_bound = (weights.abs() > 0.0099).double().mean().item()
            print(f"    {at_bound:.0%} of the clipped critic's weights at the bound")


def main(parts) -> None:
    nb = notebook_definitions()
    if is_smoke():
        nb["RING_STEPS"] = nb["WGAN_STEPS"] = SMOKE_STEPS
    for part in parts or ("ring", "digits"):
        {"ring": ring, "digits": digits}[part](nb)


if __name__ == "__main__":
    main(sys.argv[1:])
