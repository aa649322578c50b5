"""The CMP Facade Database's label maps (Tylecek and Sara 2013): classes, colours, drawing.

pix2pix's `facades` pairs a photo of a building (left, A) with its label map (right, B). A label
map paints every pixel with the colour of one of 12 classes, matplotlib's jet colour map at
class / 12 in the database's class order (background dark blue, facade blue, ... shop dark red).

Used by three things: the check that a folder called facades holds label maps at all, the
offline stand-in (label maps drawn here, "photos" rendered from them), and the facade editor,
where a student places rectangles of these classes and watches the generator's photo change.
"""

import torch

CLASSES = ("background", "facade", "window", "door", "cornice", "sill", "balcony", "blind", "deco",
           "molding", "pillar", "shop")
# The published label maps colour class k (1 = background ... 12 = shop) with matplotlib's jet at k / 12,
# one row per class above, in 0-255. Measured on the real facades (../shared/data, 40 training maps):
# 66 % of their pixels lie within 30 grey levels of one of these (JPEG moves the rest), against 15 % for
# MATLAB's jet(12), which this table held before and which put the dominant facade blue nearer "window".
PALETTE = torch.tensor([
    (0, 0, 223), (0, 40, 255), (0, 128, 255), (0, 212, 255), (54, 255, 193), (125, 255, 122),
    (193, 255, 54), (255, 230, 0), (255, 148, 0), (255, 71, 0), (223, 0, 0), (128, 0, 0),
], dtype=torch.uint8)
# A JPEG-compressed label map's pixels lie near a palette colour except along the edges.
NEAR = 60.0


def colorize(index_map: torch.Tensor) -> torch.Tensor:
    """Class indices [H, W] (0 = background ... 11 = shop) -> the label map's colours, uint8 [3, H, W]."""
    return PALETTE[index_map.long()].permute(2, 0, 1).contiguous()


def label_share(picture: torch.Tensor) -> float:
    """The share of a uint8 [3, H, W] picture's pixels within NEAR of a CMP label colour.

    About 0.9 or more for a facades label map (JPEG blurs only the class borders); near 0 for a
    photo, a sketch or a white page. It tells a folder of facades from one of other pairs.
    """
    pixels = picture.flatten(1).T.float()  # [H * W, 3]
    nearest = torch.cdist(pixels, PALETTE.float()).min(dim=1).values
    return (nearest < NEAR).float().mean().item()


def draw_rectangle(index_map: torch.Tensor, name: str, top: float, left: float, height: float, width: float):
    """Paint the class `name` into `index_map` [H, W] over a rectangle given in fractions of the size."""
    if name not in CLASSES:
        raise ValueError(f"{name!r} is not a CMP class. Choose one of: {', '.join(CLASSES)}.")
    h, w = index_map.shape
    y0, x0 = round(top * h), round(left * w)
    y1, x1 = max(y0 + 1, round((top + height) * h)), max(x0 + 1, round((left + width) * w))
    index_map[max(0, y0):min(h, y1), max(0, x0):min(w, x1)] = CLASSES.index(name)
    return index_map


def _uniform(rng, low, high):
    return low + (high - low) * torch.rand((), generator=rng).item()


def random_facade(size: int, rng: torch.Generator) -> torch.Tensor:
    """A facade's class indices [size, size]: floors of windows with sills, a door, balconies, cornices."""
    index_map = torch.full((size, size), CLASSES.index("background"), dtype=torch.long)
    top = _uniform(rng, 0.0, 0.15)  # sky above the roof line
    draw_rectangle(index_map, "facade", top, 0.0, 1.0, 1.0)
    draw_rectangle(index_map, "cornice", top, 0.0, 0.04, 1.0)
    floors = int(torch.randint(3, 6, (), generator=rng))
    columns = int(torch.randint(3, 6, (), generator=rng))
    floor_height = (1.0 - top - 0.04) / floors
    shutters = torch.rand((), generator=rng).item() < 0.5
    for floor in range(floors):
        y = top + 0.04 + floor * floor_height
        ground = floor == floors - 1
        if floor and torch.rand((), generator=rng).item() < 0.4:
            draw_rectangle(index_map, "molding", y, 0.0, 0.015, 1.0)
        if not ground and floor and torch.rand((), generator=rng).item() < 0.35:
            draw_rectangle(index_map, "balcony", y + 0.62 * floor_height, 0.05, 0.2 * floor_height, 0.9)
        for column in range(columns):
            x = (column + 0.5) / columns
            width = 0.45 / columns
            if ground and column == columns // 2:
                draw_rectangle(index_map, "door", y + 0.25 * floor_height, x - width / 2, 0.75 * floor_height, width)
                continue
            window_top, window_height = y + 0.2 * floor_height, 0.5 * floor_height
            if shutters:
                draw_rectangle(index_map, "blind", window_top, x - width, window_height, 2 * width)
            draw_rectangle(index_map, "window", window_top, x - width / 2, window_height, width)
            draw_rectangle(index_map, "sill", window_top + window_height, x - 0.6 * width, 0.03, 1.2 * width)
    return index_map


def render_facade(index_map: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """A made-up "photo" of a label map, uint8 [3, H, W]: each class a colour with random texture.

    The texture (brick courses, glass reflections, wood grain, per-pixel grain) is drawn at random
    and cannot be predicted from the labels, as the detail of a real photo cannot: an L1-trained
    generator can only paint its average (a blur), which is the point lecture 6 makes.
    """
    h, w = index_map.shape
    rows = torch.arange(h, dtype=torch.float32)[:, None].expand(h, w) / h
    columns = torch.arange(w, dtype=torch.float32)[None, :].expand(h, w) / w
    wall = torch.tensor([_uniform(rng, 150, 220), _uniform(rng, 110, 180), _uniform(rng, 80, 150)])
    bricks = 1 + 0.12 * torch.sign(torch.sin(rows * h * _uniform(rng, 0.5, 0.9) + _uniform(rng, 0, 6.3)))
    glass = 40 + 90 * (1 - rows) * _uniform(rng, 0.3, 1.0)
    grain = 1 + 0.25 * torch.sin(columns * w * _uniform(rng, 1.0, 2.0) + _uniform(rng, 0, 6.3))
    shades = {
        "background": torch.stack([150 + 60 * rows, 180 + 50 * rows, 230 + 0 * rows]),
        "facade": wall[:, None, None] * bricks,
        "window": torch.stack([glass * 0.8, glass * 0.9, glass * 1.1]),
        "door": torch.tensor([90.0, 55.0, 30.0])[:, None, None] * grain,
        "cornice": torch.full((3, h, w), 225.0),
        "sill": torch.full((3, h, w), 205.0),
        "balcony": torch.tensor([40.0, 40.0, 45.0])[:, None, None] * (1 + 2 * (torch.sin(columns * w * 2) > 0)),
        "blind": torch.tensor([60.0, 110.0, 70.0])[:, None, None] * (1 + 0.3 * torch.sin(rows * h * 3)),
        "deco": wall[:, None, None] * 1.15, "molding": wall[:, None, None] * 1.25, "pillar": wall[:, None, None] * 0.9,
        "shop": torch.tensor([30.0, 30.0, 40.0])[:, None, None] * grain,
    }
    photo = torch.zeros(3, h, w)
    for i, name in enumerate(CLASSES):
        mask = index_map == i
        photo[:, mask] = shades[name].expand(3, h, w)[:, mask]
    photo *= 1 + 0.08 * torch.randn(1, h, w, generator=rng)  # sensor grain
    return photo.clamp(0, 255).to(torch.uint8)


def stand_in_pairs(n: int, size: int, seed: int = 0) -> torch.Tensor:
    """n (photo, label map) pairs as uint8 [n, 2, 3, size, size], in the archive's order: A = photo, B = labels."""
    rng = torch.Generator().manual_seed(seed)
    pairs = torch.empty(n, 2, 3, size, size, dtype=torch.uint8)
    for i in range(n):
        index_map = random_facade(size, rng)
        pairs[i, 0], pairs[i, 1] = render_facade(index_map, rng), colorize(index_map)
    return pairs
