"""Denoising diffusion: DDPM (Ho, Jain and Abbeel 2020) and DDIM (Song, Meng and Ermon 2021).

**Forward process.** T = 1000 small Gaussian steps turn a picture into noise,

    q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I),

with beta_t rising linearly from 1e-4 to 0.02 (Ho et al.), or following the cosine schedule of
Nichol and Dhariwal (2021). Gaussians compose, so any step is one draw away from the picture:

    q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I),   alpha_bar_t = prod_{s <= t} (1 - beta_s).

Times count from 0, as arrays do: t = 0 is the first noising step, t = T - 1 the last.

**Training** (Ho et al.'s "simple" loss): draw t and the noise eps, make x_t in one step, and ask the
network for eps back: ||eps - eps_theta(x_t, t)||^2.

**Sampling.** DDPM walks back all T steps, each a Gaussian around

    mu_theta(x_t, t) = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps_theta(x_t, t)) / sqrt(1 - beta_t),

with the variance of q(x_{t-1} | x_t, x_0), beta~_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) beta_t (zero
at t = 0). DDIM reads the same network differently: predict x_0, then jump to any earlier time
on a chosen subsequence of steps; with eta = 0 no noise is added, the sampler is a deterministic
map from x_T to x_0 (an ODE solver), and it can be run backwards to invert a picture. With
eta = 1 and all T steps it is DDPM.

**Classifier-free guidance** (Ho and Salimans 2022): train one network with and without the label
(the label dropped to "none" for 10 % of the batches) and sample with
(1 + w) eps(x_t, t, y) - w eps(x_t, t): w = 0 is the conditional model, larger w follows the
label harder at the cost of variety.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .latent import device_of
from .models.diffusion_unet import NULL_LABEL

T_DEFAULT = 1000


@dataclass(frozen=True)
class NoiseSchedule:
    """beta_t for t = 0 .. T - 1 (float64), and what follows from them."""

    betas: torch.Tensor
    name: str = "custom"

    @classmethod
    def linear(cls, T: int = T_DEFAULT, beta_start: float = 1e-4, beta_end: float = 0.02) -> "NoiseSchedule":
        """Ho et al.'s schedule: beta from 1e-4 to 0.02 in T equal steps."""
        return cls(torch.linspace(beta_start, beta_end, T, dtype=torch.float64), "linear")

    @classmethod
    def cosine(cls, T: int = T_DEFAULT, s: float = 0.008, max_beta: float = 0.999) -> "NoiseSchedule":
        """Nichol and Dhariwal's: alpha_bar(t) = cos^2(((t / T) + s) / (1 + s) pi / 2), normalised to start at 1.

        It destroys the picture more evenly over time than the linear schedule, whose last few hundred
        steps are nearly pure noise; beta is capped at 0.999 so the last step is not a division by zero.
        """
        steps = torch.arange(T + 1, dtype=torch.float64) / T
        f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
        alpha_bar = f / f[0]
        return cls((1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=max_beta), "cosine")

    @property
    def T(self) -> int:
        return len(self.betas)

    @property
    def alphas(self) -> torch.Tensor:
        return 1 - self.betas

    @property
    def alpha_bars(self) -> torch.Tensor:
        return torch.cumprod(self.alphas, dim=0)

    @property
    def sigmas(self) -> torch.Tensor:
        """DDPM's sampling noise: the standard deviation of q(x_{t-1} | x_t, x_0), 0 at t = 0."""
        alpha_bars = self.alpha_bars
        previous = torch.cat([torch.ones(1, dtype=alpha_bars.dtype), alpha_bars[:-1]])
        return ((1 - previous) / (1 - alpha_bars) * self.betas).sqrt()

    def __repr__(self) -> str:
        return (f"NoiseSchedule({self.name}, T={self.T}, beta {self.betas[0].item():.2g} .. "
                f"{self.betas[-1].item():.3g}, alpha_bar at T-1: {self.alpha_bars[-1].item():.2g})")


def check_times(t: torch.Tensor, T: int) -> None:
    if bool(((t < 0) | (t >= T)).any()):
        raise ValueError(f"t must lie in [0, {T}) (0 is the first noising step, {T - 1} the last); "
                         f"got values from {int(t.min())} to {int(t.max())}.")


def check_pictures(x: torch.Tensor) -> None:
    """Pictures ([B, C, H, W]) must be in [-1, 1], where the noise's scale of 1 means what the schedule assumes."""
    if x.dim() == 4 and (x.min() < -1 - 1e-6 or x.max() > 1 + 1e-6):
        raise ValueError(f"pixels must lie in [-1, 1]; these run from {x.min().item():.3g} to {x.max().item():.3g}. "
                         "Fix: load the digits with mnist(split) (its default range is [-1, 1]) or rescale "
                         "[0, 1] pictures with x * 2 - 1.")


def _at(values: torch.Tensor, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """values[t], shaped to broadcast over x's other dimensions, in x's dtype and on its device."""
    return values.to(x.device)[t].to(x.dtype).view(-1, *([1] * (x.dim() - 1)))


def q_sample(schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t drawn from q(x_t | x_0) in one step: sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) noise; t [B] integers."""
    t = torch.as_tensor(t, device=x0.device).long().expand(len(x0))
    check_times(t, schedule.T)
    check_pictures(x0)
    alpha_bar = _at(schedule.alpha_bars, t, x0)
    return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise


def ddpm_loss(model, schedule: NoiseSchedule, x0: torch.Tensor, labels=None) -> torch.Tensor:
    """Ho et al.'s simple loss: the mean squared error between the noise and the network's guess of it."""
    t = torch.randint(schedule.T, (len(x0),), device=x0.device)
    noise = torch.randn_like(x0)
    return F.mse_loss(model(q_sample(schedule, x0, t, noise), t, labels), noise)


def drop_labels(labels: torch.Tensor, p: float = 0.1) -> torch.Tensor:
    """Classifier-free guidance's training trick: each label replaced by "none" with probability p."""
    dropped = torch.rand(len(labels), device=labels.device) < p
    return torch.where(dropped, torch.full_like(labels, NULL_LABEL), labels)


def guided(model, x: torch.Tensor, time: torch.Tensor, labels=None, guidance=None) -> torch.Tensor:
    """The network's prediction, with classifier-free guidance when guidance = w is given:
    (1 + w) prediction(x, t, y) - w prediction(x, t, none), both from one batched call."""
    if guidance is None or labels is None:
        return model(x, time, labels)
    nothing = torch.full_like(labels, NULL_LABEL)
    both = model(torch.cat([x, x]), torch.cat([time, time]), torch.cat([labels, nothing]))
    conditional, unconditional = both.chunk(2)
    return (1 + guidance) * conditional - guidance * unconditional


def clipped_eps(schedule: NoiseSchedule, x_t: torch.Tensor, t: int, eps: torch.Tensor) -> torch.Tensor:
    """The noise that x_t implies once the picture it predicts, (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t),
    is clipped to the pixels' range [-1, 1], as Ho et al.'s code samples. Near t = T the prediction divides by
    sqrt(alpha_bar_t), about 0.006: a young network's small errors become pixels far outside [-1, 1] without it."""
    alpha_bar = schedule.alpha_bars[t].item()
    x0 = ((x_t - math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha_bar)).clamp(-1, 1)
    return (x_t - math.sqrt(alpha_bar) * x0) / math.sqrt(1 - alpha_bar)


def ddpm_step(schedule: NoiseSchedule, x_t: torch.Tensor, t: int, eps: torch.Tensor,
              noise: torch.Tensor) -> torch.Tensor:
    """One step of DDPM's sampler, x_t -> x_{t-1}: the mean mu_theta plus sigma_t times fresh noise."""
    beta, alpha, alpha_bar = (values[t].item() for values in (schedule.betas, schedule.alphas, schedule.alpha_bars))
    mean = (x_t - beta / math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha)
    return mean + schedule.sigmas[t].item() * noise


def labels_for(labels, n: int, device):
    if labels is None:
        return None
    labels = torch.as_tensor(labels, device=device).long().view(-1)
    if len(labels) != n:
        raise ValueError(f"{n} samples but {len(labels)} labels: give one label per sample.")
    return labels


def start_noise(shape, rng, device, x_T):
    if x_T is not None:
        return x_T.to(device).clone()
    return torch.randn(shape, generator=rng).to(device)


@torch.no_grad()
def ddpm_sample(model, schedule: NoiseSchedule, shape, labels=None, guidance=None, rng=None, x_T=None,
                trajectory: bool = False, clip: bool = False):
    """Samples by DDPM's T steps from pure noise; with trajectory=True also the [T + 1] states (on the CPU).
    clip=True clips each step's predicted picture to [-1, 1] (`clipped_eps`)."""
    device = device_of(model)
    x = start_noise(shape, rng, device, x_T)
    labels = labels_for(labels, len(x), device)
    states = [x.cpu()] if trajectory else None
    for t in reversed(range(schedule.T)):
        time = torch.full((len(x),), t, device=device)
        eps = guided(model, x, time, labels, guidance)
        if clip:
            eps = clipped_eps(schedule, x, t, eps)
        x = ddpm_step(schedule, x, t, eps, torch.randn(x.shape, generator=rng).to(device))
        if trajectory:
            states.append(x.cpu())
    return (x, torch.stack(states)) if trajectory else x


def ddim_times(T: int, steps: int) -> list:
    """The `steps` times DDIM visits, from T - 1 down to 0, evenly spread (all T when steps = T)."""
    if not 1 <= steps <= T:
        raise ValueError(f"steps={steps}: DDIM takes between 1 and T = {T} steps (it visits a subset of the "
                         "T noise levels the network was trained on).")
    return torch.linspace(T - 1, 0, steps).round().long().tolist()


def ddim_step(schedule: NoiseSchedule, x_t: torch.Tensor, t: int, t_previous: int, eps: torch.Tensor,
              eta: float = 0.0, noise=None, clip: bool = False) -> torch.Tensor:
    """x_t -> x_{t_previous} (t_previous = -1: the clean picture): predict x_0, step towards it along eps.
    clip=True clips the predicted picture to [-1, 1] first (`clipped_eps`)."""
    alpha_bars = schedule.alpha_bars
    alpha_bar = alpha_bars[t].item()
    previous = alpha_bars[t_previous].item() if t_previous >= 0 else 1.0
    if clip:
        eps = clipped_eps(schedule, x_t, t, eps)
    x0 = (x_t - math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha_bar)
    sigma = eta * math.sqrt((1 - previous) / (1 - alpha_bar) * (1 - alpha_bar / previous))
    x = math.sqrt(previous) * x0 + math.sqrt(max(1 - previous - sigma**2, 0.0)) * eps
    return x + sigma * noise if sigma > 0 else x


@torch.no_grad()
def ddim_sample(model, schedule: NoiseSchedule, shape, steps: int = 50, eta: float = 0.0, labels=None,
                guidance=None, rng=None, x_T=None, trajectory: bool = False, clip: bool = False):
    """Samples by DDIM on `steps` of the T times; eta = 0 is deterministic given x_T (drawn from rng if not given)."""
    device = device_of(model)
    times = ddim_times(schedule.T, steps)
    x = start_noise(shape, rng, device, x_T)
    labels = labels_for(labels, len(x), device)
    states = [x.cpu()] if trajectory else None
    for t, t_previous in zip(times, times[1:] + [-1], strict=True):
        eps = guided(model, x, torch.full((len(x),), t, device=device), labels, guidance)
        noise = torch.randn(x.shape, generator=rng).to(device) if eta > 0 else None
        x = ddim_step(schedule, x, t, t_previous, eps, eta, noise, clip)
        if trajectory:
            states.append(x.cpu())
    return (x, torch.stack(states)) if trajectory else x


@torch.no_grad()
def ddim_invert(model, schedule: NoiseSchedule, x0: torch.Tensor, steps: int = 50, labels=None) -> torch.Tensor:
    """DDIM's ODE run forwards: the x_T from which ddim_sample(eta=0, same steps) returns to about x0.

    Each step needs eps at the point it moves to, which is not known yet; the one at the point it
    leaves stands in for it, so the round trip is exact only as the steps get small.
    """
    device = device_of(model)
    times = list(reversed(ddim_times(schedule.T, steps)))
    labels = labels_for(labels, len(x0), device)
    x = x0.to(device).clone()
    alpha_bars = schedule.alpha_bars
    for t_previous, t in zip([-1] + times[:-1], times, strict=True):
        eps = model(x, torch.full((len(x),), t, device=device), labels)
        previous = alpha_bars[t_previous].item() if t_previous >= 0 else 1.0
        predicted_x0 = (x - math.sqrt(1 - previous) * eps) / math.sqrt(previous)
        alpha_bar = alpha_bars[t].item()
        x = math.sqrt(alpha_bar) * predicted_x0 + math.sqrt(1 - alpha_bar) * eps
    return x
