"""Pictures of the course: image grids, loss curves, reconstructions, latent spaces.

Each function draws into `ax` when one is given (the caller owns the figure, e.g. to put
plots side by side) and otherwise makes its own figure and shows it, so a notebook cell
calling it shows the picture exactly once.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from torchvision.utils import make_grid


def _axes(ax, figsize, projection=None):
    if ax is not None:
        return ax, False
    fig = plt.figure(figsize=figsize)
    return fig.add_subplot(projection=projection), True


def _finish(ax, own_figure: bool, title=None):
    if title:
        ax.set_title(title)
    if own_figure:
        ax.figure.tight_layout()
        plt.show()


def grid_image(images: torch.Tensor, nrow: int = 8, value_range=None) -> np.ndarray:
    """Images [B, C, H, W] as one [H', W', C] array in [0, 1], tiled by torchvision's make_grid.

    value_range defaults to (-1, 1) when any value is negative (Tanh outputs), else (0, 1);
    uint8 pixels are shown as they are.
    """
    if images.dtype == torch.uint8:  # a dataset's stored pixels
        images, value_range = images.float() / 255, (0, 1)
    images = images.detach().float().cpu()
    if value_range is None:
        value_range = (-1, 1) if images.min() < 0 else (0, 1)
    grid = make_grid(images, nrow=nrow, padding=2, normalize=True, value_range=value_range, pad_value=1)
    return grid.permute(1, 2, 0).numpy()


def image_grid(images: torch.Tensor, nrow: int = 8, title=None, ax=None, value_range=None) -> None:
    """Show a batch of images as a grid."""
    picture = grid_image(images, nrow, value_range)
    rows = picture.shape[0] / picture.shape[1] * 8
    ax, own = _axes(ax, (8, max(1.5, rows)))
    ax.imshow(picture, cmap="gray" if picture.shape[2] == 1 else None, interpolation="nearest")
    ax.axis("off")
    _finish(ax, own, title)


def labelled_grid(columns: dict, title=None, ax=None, value_range=None, row_labels=None, width: int = 14,
                  block: int = 1) -> None:
    """Pictures side by side, one block of `block` columns per entry of `columns` ({name: images [N, C, H, W]}),
    each entry's name written above its block (and each row's label, when given, to its left).

    A figure that puts different runs or settings next to each other names them in the figure
    itself, where a reader looks, not in a printed line or a title to decode.
    """
    import textwrap

    names = list(columns)
    rows = min(len(images) for images in columns.values()) // block
    if rows == 0:
        raise ValueError(f"every entry needs at least block={block} pictures; the smallest has "
                         f"{min(len(images) for images in columns.values())}.")
    blocks = [columns[name][:rows * block].detach().float().cpu() for name in names]  # each [rows * block, C, H, W]
    stacked = torch.stack([b.view(rows, block, *b.shape[1:]) for b in blocks], dim=1).flatten(0, 2)
    picture = grid_image(stacked, nrow=len(names) * block, value_range=value_range)
    cell_height, cell_width = stacked.shape[2] + 2, stacked.shape[3] + 2  # make_grid's padding of 2
    ax, own = _axes(ax, (min(1.6 * len(names) * block + 0.8, 12), min(1.6 * rows + 0.9, 12)))
    ax.imshow(picture, cmap="gray" if picture.shape[2] == 1 else None, interpolation="nearest")
    wrapped = [textwrap.fill(str(name), width * block) for name in names]
    for i, name in enumerate(wrapped):
        ax.text(1 + (i + 0.5) * block * cell_width, -2, name, ha="center", va="bottom", fontsize=8)
    for j, label in enumerate(row_labels or []):
        ax.text(-3, 1 + (j + 0.5) * cell_height, str(label), ha="right", va="center", fontsize=8)
    ax.axis("off")
    if title:  # above the column names: about 11 points a line of them
        ax.set_title(title, pad=11 * max(name.count("\n") + 1 for name in wrapped) + 6)
    _finish(ax, own)


def reconstructions(originals: torch.Tensor, reconstructed: torch.Tensor, n: int = 10, title=None, ax=None) -> None:
    """Originals (top row) above their reconstructions (bottom row)."""
    n = min(n, len(originals))
    value_range = (-1, 1) if min(originals.min(), reconstructed.min()) < 0 else (0, 1)
    pair = torch.cat([originals[:n].detach().cpu(), reconstructed[:n].detach().cpu()])
    image_grid(pair, nrow=n, title=title or "top: originals, bottom: reconstructions", ax=ax, value_range=value_range)


def _smooth(values, window: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def loss_curves(history, per: str = "step", smooth: int = 20, title=None, ax=None, logy: bool = False) -> None:
    """Every loss of a fit() history, per step (smoothed by a running mean) or per epoch."""
    if per not in ("step", "epoch"):
        raise ValueError("per must be 'step' or 'epoch'")
    ax, own = _axes(ax, (7, 3.5))
    series = history.steps if per == "step" else history.epochs
    for name, values in series.items():
        if per == "step":
            y = _smooth(values, smooth)
            x = np.arange(len(y)) + (len(values) - len(y))
        else:
            y, x = np.asarray(values), np.arange(1, len(values) + 1)
        ax.plot(x, y, label=name, marker="o" if per == "epoch" else None)
    ax.set_xlabel("step" if per == "step" else "epoch")
    ax.set_ylabel("loss")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    _finish(ax, own, title)


def latent_scatter(z: torch.Tensor, labels, title=None, ax=None, point_size: float = 4) -> None:
    """Latent codes coloured by label: a 2-D scatter, or 3-D when z has three dimensions."""
    z = torch.as_tensor(z).detach().cpu().numpy()
    labels = np.asarray(labels)
    if z.shape[1] not in (2, 3):
        raise ValueError(f"latent_scatter draws 2-D or 3-D codes; these have {z.shape[1]} dimensions. "
                         "Use plot.tsne(z, labels) to project them first.")
    ax, own = _axes(ax, (6, 5), projection="3d" if z.shape[1] == 3 else None)
    points = ax.scatter(*z.T, c=labels, cmap="tab10", s=point_size, vmin=-0.5, vmax=9.5)
    ax.figure.colorbar(points, ax=ax, ticks=range(10), label="label", shrink=0.8)
    for i, name in enumerate(("z1", "z2", "z3")[: z.shape[1]]):
        getattr(ax, f"set_{'xyz'[i]}label")(name)
    _finish(ax, own, title)


def tsne(z: torch.Tensor, labels, perplexity: float = 30, seed: int = 0, title=None, ax=None) -> np.ndarray:
    """Project codes to 2-D with scikit-learn's t-SNE, draw them coloured by label, return the projection."""
    from sklearn.manifold import TSNE

    z = torch.as_tensor(z).detach().flatten(1).cpu().numpy()
    perplexity = min(perplexity, (len(z) - 1) / 3)  # t-SNE needs more points than 3 x perplexity
    embedded = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(z)
    latent_scatter(torch.from_numpy(embedded), labels, title=title or f"t-SNE of {z.shape[1]}-d codes", ax=ax)
    return embedded


def manifold(decode, n: int = 15, title=None, ax=None, device="cpu") -> None:
    """Decode an n x n grid of a 2-D latent space (Kingma and Welling 2014, Figure 4).

    The grid is evenly spaced in probability, z = Phi^-1(p) for p in (0.05 ... 0.95), so that
    it covers the N(0, I) prior the way its mass is spread.
    """
    p = torch.linspace(0.05, 0.95, n)
    values = torch.distributions.Normal(0.0, 1.0).icdf(p)
    z1, z2 = torch.meshgrid(values, values.flip(0), indexing="xy")  # z2 grows upwards
    z = torch.stack([z1.reshape(-1), z2.reshape(-1)], dim=1).to(device)
    with torch.no_grad():
        images = decode(z)
    ax, own = _axes(ax, (7, 7))
    ax.imshow(grid_image(images, nrow=n), interpolation="nearest")
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_xlabel("z1 →")
    ax.set_ylabel("z2 →")
    _finish(ax, own, title)


def animate_grids(frames, titles=None, n_images: int = 16, max_frames: int = 10, interval: int = 500):
    """Grids of images over training (e.g. the same noise after each epoch) as an animation to play in the notebook.

    frames: a list of image batches [B, C, H, W]. Every frame is embedded in the notebook, so
    only the first `n_images` of each and at most `max_frames` frames (evenly spaced, always the
    last) are shown. Returns an IPython HTML object: the last expression of a cell shows it,
    with play and step buttons.
    """
    from IPython.display import HTML
    from matplotlib import animation

    keep = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), max_frames)).round().astype(int))
    titles = [titles[i] if titles else f"frame {i + 1}" for i in keep]
    pictures = [grid_image(frames[i][:n_images], nrow=int(math.ceil(math.sqrt(n_images)))) for i in keep]
    fig, ax = plt.subplots(figsize=(3, 3), dpi=72)
    ax.axis("off")
    shown = ax.imshow(pictures[0])

    def draw(i):
        shown.set_data(pictures[i])
        ax.set_title(titles[i])
        return (shown,)

    player = animation.FuncAnimation(fig, draw, frames=len(pictures), interval=interval, blit=False)
    html = HTML(player.to_jshtml(default_mode="once"))
    plt.close(fig)  # the player replaces the static figure
    return html


def nearest_neighbours(samples: torch.Tensor, train: torch.Tensor, n: int = 8, title=None) -> torch.Tensor:
    """Each of the first n samples (top row) above its nearest training image in pixel distance (bottom row).

    Goodfellow et al. 2014, Figure 2: a check that the generator did not memorise its training set.
    Returns the distances.
    """
    samples, train = samples[:n].detach().float().cpu(), train.detach().float().cpu()
    # Differences, not the matrix-product shortcut ||a||^2 + ||b||^2 - 2ab, whose float32 rounding
    # differs between CPUs and leaves an exact training twin about 1e-3 away instead of at 0.
    distances = torch.cdist(samples.flatten(1), train.flatten(1), compute_mode="donot_use_mm_for_euclid_dist")
    nearest, index = distances.min(dim=1)
    image_grid(torch.cat([samples, train[index]]), nrow=len(samples),
               title=title or "generated (top) and the nearest training image (bottom)")
    return nearest
