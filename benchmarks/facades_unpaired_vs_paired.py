"""What pairing buys, on the real facades: CycleGAN (unpaired) against pix2pix (paired), same time each.

    python benchmarks/facades_unpaired_vs_paired.py [seconds per run, default 240]

Lecture 7 quotes this script's table. CycleGAN trains on the facades as two unpaired domains (photos
and label maps, each in its own random order); pix2pix trains on the pairs, once per direction.
All are scored on the 106 test pairs, which none of them saw: photo -> labels with the CycleGAN
paper's segmentation measures (each pixel snapped to the nearest CMP colour), labels -> photo with
lecture 6's L1 to the photo and sharpness. Networks at lecture 7's quick sizes on a CPU: 64 px,
batches of 4, ResNet generators of width 16 with 3 blocks, U-Nets of width 16, PatchGANs.
Reads ../shared/data (else the data folder, or the drawn stand-ins, as the loaders announce).
"""

import itertools
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, smoke  # noqa: E402

os.environ["GANCOURSE_QUICK"] = "1"  # no download: the shared copy, or the announced stand-in
if (SHARED / "facades").is_dir():
    os.environ["GANCOURSE_DATA_DIR"] = str(SHARED)

from gancourse import config, metrics  # noqa: E402
from gancourse.data import cyclegan, facades, held_out_split  # noqa: E402
from gancourse.data.cmp import CLASSES, PALETTE  # noqa: E402
from gancourse.image_pool import ImagePool  # noqa: E402
from gancourse.models import evaluating  # noqa: E402
from gancourse.models.translation import (  # noqa: E402
    PatchGANDiscriminator,
    ResnetGenerator,
    UnetGenerator,
    n_downs_for,
    patch_discriminator,
)
from gancourse.steps import cyclegan_step, pix2pix_step  # noqa: E402

SIZE, BATCH, WIDTH, BLOCKS = 64, 4, 16, 3
CYCLEGAN_LR, PIX2PIX_LR = 1e-3, 2e-4  # lecture 7's quick mode raises CycleGAN's; pix2pix keeps the paper's


def train_for(seconds, step, batches):
    """Run step() over the batches, epoch after epoch, until `seconds` have passed; return the steps taken."""
    steps, started = 0, time.perf_counter()
    while True:
        for batch in batches:
            step(batch)
            steps += 1
            if time.perf_counter() - started > seconds:
                return steps


def translate(generator, pictures):
    with torch.no_grad(), evaluating(generator):
        return torch.cat([generator(pictures[i:i + 32]) for i in range(0, len(pictures), 32)])


def cyclegan_run(seconds):
    config.seed_everything(0)
    data = cyclegan("facades", image_size=SIZE)
    g, f = (ResnetGenerator(ngf=WIDTH, n_blocks=BLOCKS) for _ in range(2))
    d_x, d_y = (PatchGANDiscriminator(3, ndf=WIDTH, norm="instance") for _ in range(2))
    adam = lambda *nets: torch.optim.Adam(itertools.chain(*(n.parameters() for n in nets)),  # noqa: E731
                                          lr=CYCLEGAN_LR, betas=(0.5, 0.999))
    g_opt, d_opt = adam(g, f), adam(d_x, d_y)
    pools = ImagePool(50, seed=1), ImagePool(50, seed=2)
    steps = train_for(seconds, lambda batch: cyclegan_step(g, f, d_x, d_y, g_opt, d_opt, batch, pool_x=pools[0],
                                                           pool_y=pools[1]), data.batches(BATCH))
    return g, f, steps, data.source


def pix2pix_run(seconds, direction):
    config.seed_everything(0)
    data = facades("train", direction=direction, image_size=SIZE)
    g = UnetGenerator(n_downs=n_downs_for(SIZE), ngf=WIDTH)
    d = patch_discriminator(70, ndf=WIDTH)  # initialised N(0, 0.02) by its constructor
    g_opt, d_opt = (torch.optim.Adam(n.parameters(), lr=PIX2PIX_LR, betas=(0.5, 0.999)) for n in (g, d))
    steps = train_for(seconds, lambda batch: pix2pix_step(g, d, g_opt, d_opt, batch), data.batches(BATCH))
    return g, steps


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else smoke(240.0, 1.0)
    split = held_out_split("facades")
    photos, label_maps = facades(split, direction="AtoB", image_size=SIZE).tensors()
    facade_colour = PALETTE[CLASSES.index("facade")].float().view(1, 3, 1, 1) / 127.5 - 1
    every_pixel_facade = facade_colour.expand_as(label_maps)

    g, f, cycle_steps, source = cyclegan_run(seconds)
    to_labels, p2p_ab_steps = pix2pix_run(seconds, "AtoB")
    to_photo, p2p_ba_steps = pix2pix_run(seconds, "BtoA")
    print(f"data: {source}; scored on the {len(photos)} {split} pairs at {SIZE} px; {seconds:.0f} s of training each "
          f"on this machine ({torch.get_num_threads()} threads)")
    print(f"\n{'photo -> labels':<34} {'steps':>6} {'pixel acc':>9} {'class acc':>9} {'class IoU':>9}")
    rows = [("CycleGAN G (unpaired)", cycle_steps, translate(g, photos)),
            ("pix2pix (paired)", p2p_ab_steps, translate(to_labels, photos)),
            ("every pixel 'facade' (no model)", 0, every_pixel_facade)]
    for name, steps, predicted in rows:
        s = metrics.label_map_scores(predicted, label_maps)
        print(f"{name:<34} {steps:>6} {s.pixel_accuracy:>9.2f} {s.class_accuracy:>9.2f} {s.class_iou:>9.2f}")
    print(f"\n{'labels -> photo':<34} {'steps':>6} {'L1':>9} {'sharpness':>9}")
    for name, steps, generator in (("CycleGAN F (unpaired)", cycle_steps, f),
                                   ("pix2pix (paired)", p2p_ba_steps, to_photo)):
        fakes = translate(generator, label_maps)
        print(f"{name:<34} {steps:>6} {metrics.l1_error(fakes, photos):>9.3f} {metrics.sharpness(fakes, photos):>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
