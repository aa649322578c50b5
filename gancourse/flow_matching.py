"""Flow matching with straight paths: rectified flow (Liu, Gong and Liu 2023) and Lipman et al.'s (2023) OT path.

Pair a noise picture x_0 ~ N(0, I) with a real picture x_1 and walk the straight line between them,

    x_t = (1 - t) x_0 + t x_1,   t from 0 (noise) to 1 (data),

at the constant velocity dx_t/dt = x_1 - x_0. The network v_theta(x_t, t) learns that velocity by
regression, ||v_theta(x_t, t) - (x_1 - x_0)||^2. Many lines cross any given x_t, so what it learns is
their average there: a velocity field whose flow carries the noise distribution onto the data.
Sampling integrates dx/dt = v_theta(x, t) from t = 0 to 1 with any number of steps: Euler's
method, or Heun's (a second evaluation at the end of each step, averaged with the first).
Where the learned paths are nearly straight, few steps are enough: a straight path is integrated
exactly by a single Euler step.

**Reflow.** With independent pairs the learned paths still bend: many straight lines cross each point,
and their average turns. Liu et al.'s remedy is to train again on the pairs the first flow makes
(noise, and the sample that flow carries it to): those pairs no longer cross, and the second flow's
paths come out nearly straight, so one or two Euler steps suffice.

Note the direction of time: here t = 0 is noise and t = 1 the data, the reverse of DDPM's counting.
The network is lecture 11's U-Net; it is told t times TIME_SCALE, so that the same sinusoidal
embedding sees the same range of times as DDPM's 0 .. 999.
"""

import torch
import torch.nn.functional as F

from .diffusion import check_pictures, guided, labels_for, start_noise
from .latent import device_of

TIME_SCALE = 1000.0


def interpolant(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The point at time t ([B] in [0, 1]) on the straight line from noise x0 to data x1."""
    t = t.to(x1.dtype).view(-1, *([1] * (x1.dim() - 1)))
    return (1 - t) * x0 + t * x1


def target_velocity(x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """d x_t / dt along the straight line: data minus noise, the same at every t."""
    return x1 - x0


def flow_matching_loss(model, x1: torch.Tensor, labels=None, x0=None) -> torch.Tensor:
    """The regression of the velocity on straight paths from noise to the pictures x1.

    x0: the noise each picture is paired with; None draws it fresh (independent pairs). Reflow (Liu et
    al.) passes the pairs a trained flow makes, noise and the sample it carries that noise to.
    """
    check_pictures(x1)
    x0 = torch.randn_like(x1) if x0 is None else x0
    t = torch.rand(len(x1), device=x1.device)
    return F.mse_loss(model(interpolant(x0, x1, t), t * TIME_SCALE, labels), target_velocity(x0, x1))


def _integrate(model, shape, steps: int, labels, guidance, rng, x0, trajectory: bool, advance):
    """x from noise (or x0) at t = 0 to t = 1 in `steps` steps of advance(velocity, x, t, dt); with trajectory=True
    also the steps + 1 states (on the CPU)."""
    if steps < 1:
        raise ValueError(f"steps={steps}: integrating from t = 0 to 1 takes at least one step.")
    device = device_of(model)
    x = start_noise(shape, rng, device, x0)
    labels = labels_for(labels, len(x), device)

    def velocity(point, t):
        return guided(model, point, torch.full((len(point),), t * TIME_SCALE, device=device), labels, guidance)

    states = [x.cpu()] if trajectory else None
    for i in range(steps):
        x = advance(velocity, x, i / steps, 1 / steps)
        if trajectory:
            states.append(x.cpu())
    return (x, torch.stack(states)) if trajectory else x


@torch.no_grad()
def euler_sample(model, shape, steps: int = 20, labels=None, guidance=None, rng=None, x0=None,
                 trajectory: bool = False):
    """Integrate dx/dt = v_theta(x, t) from noise (t = 0) to t = 1 with `steps` Euler steps of 1 / steps."""
    return _integrate(model, shape, steps, labels, guidance, rng, x0, trajectory,
                      lambda velocity, x, t, dt: x + velocity(x, t) * dt)


def _heun(velocity, x, t, dt):
    v = velocity(x, t)
    return x + (v + velocity(x + v * dt, t + dt)) * dt / 2


@torch.no_grad()
def heun_sample(model, shape, steps: int = 10, labels=None, guidance=None, rng=None, x0=None,
                trajectory: bool = False):
    """Heun's method: an Euler step, the velocity again where it lands, the step redone with the average.
    Two network calls a step, second-order accurate."""
    return _integrate(model, shape, steps, labels, guidance, rng, x0, trajectory, _heun)
