"""Peak memory of one CycleGAN step on the CPU, and how it grows with the picture's size.

    python benchmarks/cyclegan_memory.py        # BENCH_SMOKE=1: 32 px only

Four networks train at once (G, F, D_X, D_Y), and one step keeps the activations of six
generator passes for the backward pass (G(x), F(G(x)), F(y), G(F(y)) and the two identity
passes). Each size runs in a fresh process, so its peak resident memory (ru_maxrss) is its own;
the figure reported is that peak minus the same process's resident memory just before the
step (networks and Adam's state built, one step's batch made). Batch 1, the paper's setting.
"""

import json
import resource
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import smoke  # noqa: E402

SIZES = smoke(((128, 6), (256, 9)), ((32, 6),))


def one_step(size: int, n_blocks: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from gancourse import steps
    from gancourse.image_pool import ImagePool
    from gancourse.models.translation import PatchGANDiscriminator, ResnetGenerator

    g_xy, g_yx = ResnetGenerator(n_blocks=n_blocks), ResnetGenerator(n_blocks=n_blocks)
    d_x, d_y = PatchGANDiscriminator(3, norm="instance"), PatchGANDiscriminator(3, norm="instance")
    g_optimizer = torch.optim.Adam([*g_xy.parameters(), *g_yx.parameters()], 2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam([*d_x.parameters(), *d_y.parameters()], 2e-4, betas=(0.5, 0.999))
    for optimizer in (g_optimizer, d_optimizer):  # Adam's moments exist from the first step on: count them before
        for group in optimizer.param_groups:
            for p in group["params"]:
                optimizer.state[p] = {"step": torch.tensor(0.0), "exp_avg": torch.zeros_like(p),
                                      "exp_avg_sq": torch.zeros_like(p)}
    batch = [torch.rand(1, 3, size, size) * 2 - 1 for _ in range(2)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    steps.cyclegan_step(g_xy, g_yx, d_x, d_y, g_optimizer, d_optimizer, batch, pool_x=ImagePool(), pool_y=ImagePool())
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"size": size, "blocks": n_blocks, "before_gib": before / 2**20, "step_gib": (after - before) / 2**20}


def main() -> None:
    if len(sys.argv) == 3:
        print(json.dumps(one_step(int(sys.argv[1]), int(sys.argv[2]))))
        return
    for size, n_blocks in SIZES:
        out = subprocess.run([sys.executable, __file__, str(size), str(n_blocks)], capture_output=True, text=True,
                             check=True).stdout
        result = json.loads(out.splitlines()[-1])
        print(f"{size} px, {n_blocks} residual blocks, batch 1: networks + Adam + batch {result['before_gib']:.2f} "
              f"GiB resident; one step adds a peak of {result['step_gib']:.2f} GiB")


if __name__ == "__main__":
    main()
