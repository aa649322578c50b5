"""Latent spaces as pictures: the pure half of the explorers in `gancourse.widgets`.

Everything here is latent values in, uint8 pixel arrays out, so it is tested without a
browser. A model qualifies when it has `latent_dim` and either `decode(z)` (the autoencoders
and VAEs), `generate(z)`, or is itself a generator called as `model(z)` / `model(z, labels)`.

Interpolation paths follow White 2016, "Sampling generative networks": a straight line (lerp)
between two Gaussian codes passes close to the origin, where the prior has almost no mass,
while the great-circle path (slerp) keeps the norm that samples of N(0, I) have, about sqrt(d).
Directions follow the seed notes on controllable generation: the difference of two class means
in a latent space, or the averaged path of gradient ascent on a classifier's score.
"""

import io
import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from .models import evaluating
from .plot import grid_image

INTERFACE = (
    "The explorers need a model with `latent_dim` and either `decode(z)` (an autoencoder or VAE), "
    "`generate(z)`, or a generator called as `model(z)` (or `model(z, labels)` when conditional)."
)


@dataclass
class LatentModel:
    """A model seen through the explorers' interface: codes [B, latent_dim] in, images [B, C, H, W] out."""

    model: torch.nn.Module
    latent_dim: int
    n_classes: int
    value_range: tuple
    call_name: str

    def images(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        """Decode on the model's device in eval mode (BatchNorm must not see a one-image batch); images on the CPU."""
        device = device_of(self.model)
        z = z.to(device=device, dtype=torch.float32)
        with torch.no_grad(), evaluating(self.model):
            if self.n_classes:
                if labels is None:
                    raise ValueError(f"{type(self.model).__name__} is conditional: give a label, e.g. label=8.")
                labels = torch.as_tensor(labels, device=device).long().expand(len(z))  # one label for all, or one each
                out = _call(self.model, self.call_name, z, labels)
            else:
                out = _call(self.model, self.call_name, z)
        return out.float().cpu()


def latent_model(model) -> LatentModel:
    """Check `model` against the explorers' interface, with an error that names the fix."""
    if isinstance(model, LatentModel):
        return model
    if isinstance(model, type):
        raise TypeError(f"{model.__name__} is a class, not a model. Fix: pass an instance, e.g. the trained "
                        f"`generator = {model.__name__}(...)`, not the class itself.")
    name = type(model).__name__
    latent_dim = getattr(model, "latent_dim", None)
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise TypeError(
            f"{name} has no integer `latent_dim`. {INTERFACE} "
            f"Fix: set `self.latent_dim = ...` in {name}.__init__ (a discriminator or encoder cannot be explored)."
        )
    if hasattr(model, "decode"):
        call_name = "decode"
    elif hasattr(model, "generate"):
        call_name = "generate"
    elif isinstance(model, torch.nn.Module) and not hasattr(model, "encode"):
        call_name = "forward"
    else:
        raise TypeError(f"{name} has `encode` but no `decode`. {INTERFACE}")
    n_classes = int(getattr(model, "n_classes", 0) or 0)
    # A trial pair finds shape errors now, with a readable message, and the pixel range:
    # Tanh generators give [-1, 1], Sigmoid decoders [0, 1].
    trial_z = torch.randn(2, latent_dim, generator=torch.Generator().manual_seed(0))
    probe = LatentModel(model, latent_dim, n_classes, (0, 1), call_name)
    try:
        out = probe.images(trial_z, 0 if n_classes else None)
    except Exception as error:
        raise TypeError(
            f"Calling {name}.{call_name} on codes of shape [2, {latent_dim}] failed ({error}). {INTERFACE}"
        ) from error
    if out.dim() != 4 or out.shape[0] != 2 or out.shape[1] not in (1, 3):
        raise TypeError(
            f"{name}.{call_name} returned shape {list(out.shape)}; the explorers need images [B, C, H, W] "
            f"with 1 or 3 channels. Fix: end {call_name} with `.view(-1, 1, 28, 28)` (or your image shape)."
        )
    probe.value_range = (-1, 1) if out.min() < 0 else (0, 1)
    return probe


def device_of(model) -> torch.device:
    parameter = next(iter(model.parameters()), None) if isinstance(model, torch.nn.Module) else None
    return parameter.device if parameter is not None else torch.device("cpu")


def _call(model, call_name, *args):
    return model(*args) if call_name == "forward" else getattr(model, call_name)(*args)


def pixels(images: torch.Tensor, value_range, nrow=None) -> np.ndarray:
    """Images [B, C, H, W] as one uint8 array [H', W', C]: a single image, or a strip of nrow per row."""
    if len(images) == 1:
        low, high = value_range
        picture = ((images[0].clamp(low, high) - low) / (high - low)).permute(1, 2, 0).numpy()
    else:
        picture = grid_image(images, nrow=nrow or len(images), value_range=value_range)
    return (picture * 255).round().astype(np.uint8)


def png(picture: np.ndarray, scale: int = 1) -> bytes:
    """A uint8 array [H, W, C] as PNG bytes, enlarged `scale` times with hard pixel edges."""
    image = Image.fromarray(picture[:, :, 0] if picture.shape[2] == 1 else picture)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=1)  # speed over size: a frame lives for one slider move
    return buffer.getvalue()


# Paths between two codes


def _positions(t, like: torch.Tensor):
    """t as a column [n, 1], and whether it was a single number (then the path is one code [d])."""
    t = torch.as_tensor(t, dtype=like.dtype)
    return t.reshape(-1, 1), t.dim() == 0


def lerp(z_a: torch.Tensor, z_b: torch.Tensor, t) -> torch.Tensor:
    """The straight line (1 - t) z_a + t z_b; t is a number, or a 1-D tensor for one code per t."""
    column, single = _positions(t, z_a)
    codes = (1 - column) * z_a + column * z_b
    return codes[0] if single else codes


def slerp(z_a: torch.Tensor, z_b: torch.Tensor, t) -> torch.Tensor:
    """The great-circle path (Shoemake 1985) between the codes' directions, for the codes themselves.

    With Omega the angle between z_a and z_b:  sin((1 - t) Omega) / sin(Omega) z_a + sin(t Omega) / sin(Omega) z_b.
    Endpoints of equal norm keep that norm all the way. Nearly parallel codes fall back to lerp.
    """
    omega = torch.arccos((torch.dot(z_a, z_b) / (z_a.norm() * z_b.norm())).clamp(-1, 1))
    if torch.sin(omega) < 1e-6:
        return lerp(z_a, z_b, t)
    column, single = _positions(t, z_a)
    # The weights first, so that t = 0 and t = 1 give the endpoints exactly (weights 1 and 0).
    weight_a, weight_b = (
        torch.sin((1 - column) * omega) / torch.sin(omega),
        torch.sin(column * omega) / torch.sin(omega),
    )
    codes = weight_a * z_a + weight_b * z_b
    return codes[0] if single else codes


PATHS = {"lerp": lerp, "slerp": slerp}


def path(z_a, z_b, t, method: str = "slerp") -> torch.Tensor:
    if method not in PATHS:
        raise ValueError(f"method={method!r} is not a path. Fix: use 'lerp' or 'slerp'.")
    return PATHS[method](z_a, z_b, t)


def typical_norm(latent_dim: int) -> float:
    """E|z| for z ~ N(0, I_d): sqrt(2) Gamma((d+1)/2) / Gamma(d/2), close to sqrt(d - 1/2)."""
    return math.sqrt(2) * math.exp(math.lgamma((latent_dim + 1) / 2) - math.lgamma(latent_dim / 2))


def truncated_normal(n: int, dim: int, threshold: float, rng: torch.Generator | None = None) -> torch.Tensor:
    """[n, dim] codes from N(0, 1) conditioned on |z| <= threshold: BigGAN's truncation trick (Brock et al. 2019).

    Every value beyond the threshold is drawn again until it falls inside, so the values follow
    the normal's own shape cut off at the threshold. Clipping instead would pile every rejected
    value onto +-threshold, codes the generator never saw in training. A lower threshold keeps
    the codes near the mode: samples look more typical (fidelity) and vary less (diversity).
    """
    if threshold <= 0:
        raise ValueError(f"threshold={threshold}: the truncation threshold must be positive (BigGAN uses 0.04 to 2).")
    z = torch.randn(n, dim, generator=rng)
    outside = z.abs() > threshold
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=rng)
        outside = z.abs() > threshold
    return z


def render_interpolation(model, z_a, z_b, t: float, method: str = "slerp", label=None) -> np.ndarray:
    """The picture at position t in [0, 1] on the path from z_a (t = 0) to z_b (t = 1)."""
    lm = latent_model(model)
    return pixels(lm.images(path(z_a, z_b, float(t), method)[None], label), lm.value_range)


def render_strip(model, z_a, z_b, steps: int = 8, method: str = "slerp", label=None) -> np.ndarray:
    """`steps` pictures from z_a to z_b in one row."""
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps={steps!r}: the strip needs at least its two ends. Fix: steps=8 (any integer >= 2).")
    lm = latent_model(model)
    return pixels(lm.images(path(z_a, z_b, torch.linspace(0, 1, steps), method), label), lm.value_range, nrow=steps)


# Sliders along chosen directions


@dataclass
class LatentBasis:
    """z = origin + sum_i value_i * directions[i]: where each slider moves the code, and how far."""

    origin: torch.Tensor  # [latent_dim]
    directions: torch.Tensor  # [k, latent_dim], one row per slider
    names: list
    low: list
    high: list
    start: list

    def point(self, values) -> torch.Tensor:
        return self.origin + torch.as_tensor(values, dtype=self.origin.dtype) @ self.directions


def latent_basis(latent_dim: int, dims=None, codes=None, principal: bool = False, span: float = 3.0) -> LatentBasis:
    """The sliders' directions and ranges.

    dims: how many sliders (an int k) or which latent axes (a list); default all, at most 6.
    codes: encoded data [N, latent_dim]. Without it the ranges are the prior's, +-span around 0.
        With it the other axes rest at the codes' mean and each slider spans where the codes lie.
    principal: slide along the top-k principal directions of `codes` instead of the axes.
    """
    if dims is None:
        dims = min(latent_dim, 6)
    axes = list(range(dims)) if isinstance(dims, int) else [int(d) for d in dims]
    if not axes or min(axes) < 0 or max(axes) >= latent_dim:
        raise ValueError(
            f"dims={dims!r} does not fit a latent space of {latent_dim} dimensions. Fix: use 1 to {latent_dim} sliders."
        )
    if codes is not None:
        codes = torch.as_tensor(codes, dtype=torch.float32).cpu()
        if codes.dim() != 2 or codes.shape[1] != latent_dim:
            raise ValueError(
                f"codes must be [N, {latent_dim}], got {list(codes.shape)}. Fix: pass model.encode(x) (a VAE's mu)."
            )
    if principal:
        if codes is None or len(codes) < 2:
            raise ValueError("principal=True needs the encoded data: pass codes=model.encode(x).")
        mean = codes.mean(0)
        _, singular, v = torch.linalg.svd(codes - mean, full_matrices=False)
        k = len(axes)
        spread = singular[:k] / math.sqrt(len(codes) - 1)
        share = singular**2 / (singular**2).sum()
        names = [f"PC{i + 1} ({100 * share[i]:.0f}%)" for i in range(k)]
        return LatentBasis(mean, v[:k], names, (-span * spread).tolist(), (span * spread).tolist(), [0.0] * k)
    directions = torch.eye(latent_dim)[axes]
    names = [f"z{a + 1}" for a in axes]
    if codes is None:
        return LatentBasis(
            torch.zeros(latent_dim), directions, names, [-span] * len(axes), [span] * len(axes), [0.0] * len(axes)
        )
    # The slider shows the axis' own coordinate: the origin is the codes' mean with the slider axes at 0.
    origin = codes.mean(0)
    origin[axes] = 0
    low = torch.quantile(codes[:, axes], 0.005, dim=0)
    high = torch.quantile(codes[:, axes], 0.995, dim=0)
    margin = 0.1 * (high - low)
    return LatentBasis(
        origin, directions, names, (low - margin).tolist(), (high + margin).tolist(), codes[:, axes].mean(0).tolist()
    )


def render_point(model, z: torch.Tensor, label=None) -> np.ndarray:
    lm = latent_model(model)
    return pixels(lm.images(z.reshape(1, -1), label), lm.value_range)


def nearest_distance(z: torch.Tensor, codes: torch.Tensor) -> float:
    """How far the code z is from the closest encoded data point."""
    exact = "donot_use_mm_for_euclid_dist"  # as plot.nearest_neighbours: a code's own point is at 0 on every CPU
    return torch.cdist(z.reshape(1, -1).float(), codes.float(), compute_mode=exact).min().item()


def typical_nearest_distance(codes: torch.Tensor, n: int = 200) -> float:
    """The median distance from an encoded data point to its nearest other one: what 'close to the data' means.

    Measured against all codes, as `nearest_distance` is, for the first n of them as queries.
    """
    codes = torch.as_tensor(codes, dtype=torch.float32)
    queries = codes[:n]
    distances = torch.cdist(queries, codes, compute_mode="donot_use_mm_for_euclid_dist")
    distances[torch.arange(len(queries)), torch.arange(len(queries))] = float("inf")  # not itself
    return distances.min(dim=1).values.median().item()


# Classes and directions


def conditional_model(model) -> LatentModel:
    """`latent_model`, for a generator that must take labels."""
    lm = latent_model(model)
    if not lm.n_classes:
        raise TypeError(
            f"{type(lm.model).__name__} is not conditional (n_classes = 0). Fix: pass the conditional generator."
        )
    return lm


def render_classes(model, z: torch.Tensor, labels=None) -> np.ndarray:
    """The same noise z drawn as every label (or the given ones), in one row."""
    lm = conditional_model(model)
    labels = torch.arange(lm.n_classes) if labels is None else torch.as_tensor(labels)
    images = lm.images(z.reshape(1, -1).expand(len(labels), -1), labels)
    return pixels(images, lm.value_range, nrow=len(labels))


def render_along(model, z: torch.Tensor, direction: torch.Tensor, strengths, label=None) -> np.ndarray:
    """z + alpha * direction for each alpha in `strengths`, in one row (one picture for a single alpha)."""
    lm = latent_model(model)
    alphas = torch.as_tensor(strengths, dtype=torch.float32).reshape(-1, 1)
    codes = z.reshape(1, -1).float() + alphas * direction.reshape(1, -1).float()
    return pixels(lm.images(codes, label), lm.value_range, nrow=len(codes))


def class_mean_direction(codes, labels, source, target) -> torch.Tensor:
    """mean(code | target) - mean(code | source): adding it to a `source` code moves it towards `target`."""
    codes, labels = torch.as_tensor(codes).float().cpu(), torch.as_tensor(labels).cpu()
    means = []
    for c in (source, target):
        chosen = codes[labels == c]
        if len(chosen) == 0:
            raise ValueError(
                f"No code has label {c!r}. Fix: pass the labels of the encoded data, and classes that occur in it."
            )
        means.append(chosen.mean(0))
    return means[1] - means[0]


def classifier_direction(
    model, classifier, target: int, z: torch.Tensor, steps: int = 50, lr: float = 0.1, until: float = 0.9
):
    """The seed notes' recipe: climb the classifier's log-probability of `target` in z, then average the paths.

    Each code in the batch z [B, latent_dim] takes gradient steps on log p(target | G(z)) and stops
    once the classifier is `until` sure; the mean displacement is the direction.
    Returns (direction [latent_dim], fraction of codes that reached `until`).
    """
    lm = latent_model(model)
    device = device_of(lm.model)
    start = z.detach().to(device).float()
    current = start.clone().requires_grad_(True)
    done = torch.zeros(len(start), dtype=torch.bool, device=device)
    with evaluating(lm.model), evaluating(classifier):
        for _ in range(steps):
            log_p = torch.log_softmax(classifier(_call(lm.model, lm.call_name, current)), dim=1)[:, target]
            done |= log_p.detach().exp() >= until
            if done.all():
                break
            (gradient,) = torch.autograd.grad(log_p.sum(), current)
            with torch.no_grad():
                current += lr * gradient * (~done).unsqueeze(1)
    return (current.detach() - start).mean(0).cpu(), done.float().mean().item()
