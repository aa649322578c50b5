"""CycleGAN (and pix2pix) step costs on a GPU: 128 and 256 px, fp32, TF32 and AMP, channels_last off and on.

    python benchmarks/cyclegan_gpu.py            # on a machine with CUDA; prints one line per setting
    BENCH_SMOKE=1 python benchmarks/cyclegan_gpu.py   # 32 px, 6 R and pix2pix, one step each (on the CPU without CUDA)

One step is steps.cyclegan_step as fit() runs it: G and F with one optimiser, then D_X and D_Y
from image pools, batch 1 (the paper's), Adam. AMP is torch.autocast(float16) around the step,
the precision a T4 has tensor cores for (no GradScaler: this times the arithmetic, not a training
recipe). channels_last converts the four networks and the batch. Each setting: 5 warm-up steps,
then 30 timed ones between CUDA synchronisations; peak memory is torch's allocator's peak over
the timed steps (after cuDNN's algorithm search, whose trial workspaces would swamp it).
The FLOPs of one fp32 step come from torch.utils.flop_counter, so a reader can scale the
figures to another card. The pix2pix line (256 px U-Net + 70x70 PatchGAN, batch 1) is lecture 6's.
"""

import contextlib
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gancourse import steps  # noqa: E402
from gancourse.image_pool import ImagePool  # noqa: E402
from gancourse.models.translation import PatchGANDiscriminator, ResnetGenerator, UnetGenerator  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import is_smoke, smoke  # noqa: E402

WARM_UP, TIMED = smoke(5, 0), smoke(30, 1)


def cyclegan(size: int, n_blocks: int, channels_last: bool, device):
    networks = [ResnetGenerator(n_blocks=n_blocks), ResnetGenerator(n_blocks=n_blocks),
                PatchGANDiscriminator(3, norm="instance"), PatchGANDiscriminator(3, norm="instance")]
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    g_xy, g_yx, d_x, d_y = [n.to(device, memory_format=memory_format) for n in networks]
    g_optimizer = torch.optim.Adam([*g_xy.parameters(), *g_yx.parameters()], 2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam([*d_x.parameters(), *d_y.parameters()], 2e-4, betas=(0.5, 0.999))
    pools = ImagePool(), ImagePool()
    batch = [(torch.rand(1, 3, size, size, device=device) * 2 - 1).contiguous(memory_format=memory_format)
             for _ in range(2)]
    return lambda: steps.cyclegan_step(g_xy, g_yx, d_x, d_y, g_optimizer, d_optimizer, batch,
                                       pool_x=pools[0], pool_y=pools[1])


def pix2pix(size: int, channels_last: bool, device):
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    generator = UnetGenerator(n_downs=size.bit_length() - 1).to(device, memory_format=memory_format)  # down to 1x1
    discriminator = PatchGANDiscriminator().to(device, memory_format=memory_format)
    g_optimizer = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    batch = [(torch.rand(1, 3, size, size, device=device) * 2 - 1).contiguous(memory_format=memory_format)
             for _ in range(2)]
    return lambda: steps.pix2pix_step(generator, discriminator, g_optimizer, d_optimizer, batch)


def flops(step) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with counter:
        step()
    return counter.get_total_flops()


def measure(name: str, make, precision_name: str, channels_last: bool, device) -> None:
    torch.manual_seed(0)
    torch.backends.cudnn.allow_tf32 = precision_name == "TF32"
    amp = precision_name == "AMP fp16"
    step = make(channels_last, device)
    precision = torch.autocast("cuda", torch.float16) if amp else contextlib.nullcontext()
    cuda = device.type == "cuda"
    with precision:
        for _ in range(WARM_UP):
            step()
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()  # after cuDNN's benchmark trials, whose workspaces are not the step's
        start = time.perf_counter()
        for _ in range(TIMED):
            step()
        if cuda:
            torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / TIMED
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan")
    work = f", {flops(step) / 1e9:.0f} GFLOP/step" if precision_name == "fp32" and not channels_last else ""
    print(f"{name:<22} {precision_name:<8} channels_last={'on ' if channels_last else 'off'} "
          f"{seconds * 1000:7.1f} ms/step {1 / seconds:6.1f} steps/s  peak {peak:5.2f} GiB{work}", flush=True)


def main() -> None:
    if is_smoke() and not torch.cuda.is_available():
        # The smoke size runs the same steps on the CPU, at 32 px and in fp32 only (autocast here is CUDA's).
        device, sizes, precisions = torch.device("cpu"), (32, 32), ("fp32",)
    elif not torch.cuda.is_available():  # not an error: `make bench` runs every benchmark on any machine
        print("cyclegan_gpu.py: skipped, no CUDA device. It times GPU steps: run it on a GPU machine (Colab: "
              "Runtime > Change runtime type > T4 GPU).")
        return
    else:
        device, sizes, precisions = torch.device("cuda"), smoke((128, 256), (32, 32)), ("fp32", "TF32", "AMP fp16")
        torch.backends.cudnn.benchmark = True  # batch 1 at a fixed size: let cuDNN pick its fastest algorithms
        print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    small, large = sizes
    settings = [(f"CycleGAN {small} px, 6 R", lambda cl, d: cyclegan(small, 6, cl, d)),
                (f"CycleGAN {large} px, 9 R", lambda cl, d: cyclegan(large, 9, cl, d)),
                (f"pix2pix {large} px", lambda cl, d: pix2pix(large, cl, d))]
    for name, make in smoke(settings, settings[::2]):
        for precision_name in precisions:
            for channels_last in smoke((False, True), (False,)):
                measure(name, make, precision_name, channels_last, device)


if __name__ == "__main__":
    main()
