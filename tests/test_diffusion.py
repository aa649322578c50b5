"""Lecture 11's processes: DDPM's forward process and samplers, DDIM, classifier-free guidance, flow matching."""

import math

import pytest
import torch

from gancourse import diffusion, flow_matching
from gancourse.data.ring import ring_of_gaussians
from gancourse.models import count_parameters
from gancourse.models.diffusion_unet import NULL_LABEL, DiffusionUNet, TimeMLP, sinusoidal_embedding


def test_the_linear_schedule_is_ho_et_al_s_and_the_cosine_one_nichol_and_dhariwal_s():
    linear = diffusion.NoiseSchedule.linear()
    assert linear.T == 1000
    assert linear.betas[0].item() == pytest.approx(1e-4) and linear.betas[-1].item() == pytest.approx(0.02)
    # Ho et al.: alpha_bar_T is about 4e-5, so x_T is pure noise to within a part in 10^4 of its variance
    assert 1e-5 < linear.alpha_bars[-1].item() < 1e-4
    cosine = diffusion.NoiseSchedule.cosine()
    t = torch.arange(1, 1001, dtype=torch.float64) / 1000
    s = 0.008
    closed_form = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2 / math.cos(s / (1 + s) * math.pi / 2) ** 2
    assert torch.allclose(cosine.alpha_bars[:-1], closed_form[:-1], rtol=1e-9)  # the last beta is capped
    assert cosine.betas.max().item() == pytest.approx(0.999)
    # DDPM's sampling noise: sigma_0 = 0 (the last step adds none), sigma_t^2 <= beta_t
    assert linear.sigmas[0].item() == 0 and bool((linear.sigmas**2 <= linear.betas + 1e-12).all())


def test_one_closed_form_step_matches_t_sequential_noising_steps():
    schedule = diffusion.NoiseSchedule.linear()
    x0 = torch.tensor([[0.8, -0.5, 0.1]], dtype=torch.float64).expand(40_000, 3)
    rng = torch.Generator().manual_seed(0)
    for t in (0, 9, 99, 499):
        x = x0.clone()
        for s in range(t + 1):  # q(x_s | x_{s-1}) for s = 0 .. t
            beta = schedule.betas[s].item()
            x = math.sqrt(1 - beta) * x + math.sqrt(beta) * torch.randn(x.shape, generator=rng, dtype=x.dtype)
        one_step = diffusion.q_sample(schedule, x0, torch.full((len(x0),), t),
                                      torch.randn(x0.shape, generator=rng, dtype=x0.dtype))
        alpha_bar = schedule.alpha_bars[t].item()
        for sample in (x, one_step):
            # the mean within 5 standard errors, the variance within 5 percent (about 7 standard errors)
            standard_error = math.sqrt((1 - alpha_bar) / len(x0))
            assert torch.allclose(sample.mean(0), math.sqrt(alpha_bar) * x0[0], atol=5 * standard_error)
            assert torch.allclose(sample.var(0), torch.full((3,), 1 - alpha_bar, dtype=x.dtype), rtol=0.05)


class PerfectDenoiser(torch.nn.Module):
    """The exact eps when the data are one point x_star: (x_t - sqrt(alpha_bar_t) x_star) / sqrt(1 - alpha_bar_t)."""

    def __init__(self, schedule, x_star):
        super().__init__()
        self.schedule, self.x_star = schedule, x_star
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x, t, labels=None):
        alpha_bar = self.schedule.alpha_bars[t.long()].to(x.dtype).view(-1, *([1] * (x.dim() - 1)))
        return (x - alpha_bar.sqrt() * self.x_star) / (1 - alpha_bar).sqrt()


def test_every_sampler_lands_on_the_single_data_point_of_a_perfect_denoiser():
    schedule = diffusion.NoiseSchedule.linear()
    x_star = torch.tensor([0.5, -0.25])
    model = PerfectDenoiser(schedule, x_star)
    rng = torch.Generator().manual_seed(0)
    assert torch.allclose(diffusion.ddpm_sample(model, schedule, (64, 2), rng=rng), x_star.expand(64, 2), atol=1e-4)
    for steps in (1, 10, 1000):
        landed = diffusion.ddim_sample(model, schedule, (64, 2), steps=steps, rng=rng)
        assert torch.allclose(landed, x_star.expand(64, 2), atol=1e-4)


def test_ddim_with_eta_1_and_all_t_steps_is_ddpm():
    schedule = diffusion.NoiseSchedule.linear(T=50)
    model = TimeMLP(width=16)
    x_T = torch.randn(8, 2, generator=torch.Generator().manual_seed(3))
    ddpm = diffusion.ddpm_sample(model, schedule, (8, 2), rng=torch.Generator().manual_seed(1), x_T=x_T)
    ddim = diffusion.ddim_sample(model, schedule, (8, 2), steps=50, eta=1.0, rng=torch.Generator().manual_seed(1),
                                 x_T=x_T)
    assert torch.allclose(ddpm, ddim, atol=1e-5)


@pytest.fixture(scope="module")
def trained_toy():
    """A TimeMLP trained for DDPM on lecture 8's ring of eight Gaussians (a few seconds)."""
    torch.manual_seed(0)
    schedule = diffusion.NoiseSchedule.linear()
    model = TimeMLP()
    optimizer = torch.optim.Adam(model.parameters(), 2e-3)
    for _ in range(1500):
        loss = diffusion.ddpm_loss(model, schedule, ring_of_gaussians(256))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), schedule


def test_ddim_with_eta_0_is_deterministic_and_inverts_a_trained_model(trained_toy):
    model, schedule = trained_toy
    x_T = torch.randn(256, 2, generator=torch.Generator().manual_seed(1))
    once = diffusion.ddim_sample(model, schedule, (256, 2), steps=100, rng=torch.Generator().manual_seed(2), x_T=x_T)
    again = diffusion.ddim_sample(model, schedule, (256, 2), steps=100, rng=torch.Generator().manual_seed(3), x_T=x_T)
    assert torch.equal(once, again)  # eta = 0: the noise generator is never used
    # the round trip through the inverted ODE: x_0 -> x_T -> x_0
    back = diffusion.ddim_sample(model, schedule, (256, 2), steps=100,
                                 x_T=diffusion.ddim_invert(model, schedule, once, steps=100))
    assert (back - once).norm(dim=1).median() < 0.05  # the ring's radius is 2


def test_classifier_free_guidance_at_w_0_is_the_conditional_model_and_w_moves_it():
    torch.manual_seed(0)
    model = DiffusionUNet(widths=(16, 32), n_classes=10, patch=2)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))  # a net whose label matters from the start
    labels = torch.arange(10)
    x = torch.randn(10, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    time = torch.full((10,), 500)
    conditional = model(x, time, labels)
    assert torch.allclose(diffusion.guided(model, x, time, labels, guidance=0.0), conditional, atol=1e-5)
    unconditional = model(x, time)
    assert torch.allclose(diffusion.guided(model, x, time, labels, guidance=3.0), 4 * conditional - 3 * unconditional,
                          atol=1e-4)
    # ... and through the samplers: DDIM and Euler with w = 0 give the conditional model's samples
    schedule = diffusion.NoiseSchedule.linear()
    for sample in (lambda **kw: diffusion.ddim_sample(model, schedule, x.shape, steps=2, labels=labels, x_T=x, **kw),
                   lambda **kw: flow_matching.euler_sample(model, x.shape, steps=2, labels=labels, x0=x, **kw)):
        assert torch.allclose(sample(), sample(guidance=0.0), rtol=1e-4, atol=1e-4)
        assert not torch.allclose(sample(), sample(guidance=3.0), rtol=1e-2, atol=1e-2)


def test_dropped_labels_are_the_null_label_at_about_the_asked_rate():
    torch.manual_seed(0)
    labels = torch.randint(10, (20_000,))
    dropped = diffusion.drop_labels(labels, p=0.1)
    share = (dropped == NULL_LABEL).double().mean().item()
    assert abs(share - 0.1) < 0.01
    kept = dropped != NULL_LABEL
    assert torch.equal(dropped[kept], labels[kept])


class LinearField(torch.nn.Module):
    """The straight-line field towards one point x1: v(x, t) = (x1 - x) / (1 - t)."""

    def __init__(self, x1):
        super().__init__()
        self.x1 = x1
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x, time, labels=None):
        t = (time / flow_matching.TIME_SCALE).view(-1, *([1] * (x.dim() - 1)))
        return (self.x1 - x) / (1 - t)


def test_euler_is_exact_on_straight_paths_with_any_number_of_steps():
    x1 = torch.tensor([1.5, -0.5])
    model = LinearField(x1)
    x0 = torch.randn(32, 2, generator=torch.Generator().manual_seed(0))
    for steps in (1, 2, 7):
        landed, path = flow_matching.euler_sample(model, (32, 2), steps=steps, x0=x0, trajectory=True)
        assert torch.allclose(landed, x1.expand(32, 2), atol=1e-5)
        t = torch.arange(steps + 1) / steps
        on_the_line = flow_matching.interpolant(x0.expand(steps + 1, 32, 2), x1.expand(steps + 1, 32, 2),
                                                t.repeat_interleave(32 * 2).view(steps + 1, 32, 2)[..., 0, 0])
        assert torch.allclose(path, on_the_line, atol=1e-5)


def test_the_flow_matching_target_is_data_minus_noise_along_the_interpolant():
    x0, x1 = torch.zeros(3, 2), torch.ones(3, 2)
    t = torch.tensor([0.0, 0.25, 1.0])
    assert torch.allclose(flow_matching.interpolant(x0, x1, t), t[:, None].expand(3, 2))
    assert torch.equal(flow_matching.target_velocity(x0, x1), x1 - x0)


def test_bad_input_is_refused_with_a_message_that_names_the_fix():
    schedule = diffusion.NoiseSchedule.linear()
    x = torch.zeros(2, 1, 28, 28)
    with pytest.raises(ValueError, match=r"\[0, 1000\)"):
        diffusion.q_sample(schedule, x, torch.tensor([0, 1000]), x)
    with pytest.raises(ValueError, match=r"\[0, 1000\)"):
        diffusion.q_sample(schedule, x, torch.tensor([-1, 3]), x)
    with pytest.raises(ValueError, match="between 1 and T = 1000"):
        diffusion.ddim_times(1000, 1001)
    with pytest.raises(ValueError, match=r"x \* 2 - 1"):
        diffusion.q_sample(schedule, torch.full((2, 1, 28, 28), 255.0), torch.tensor([3, 4]), x)
    with pytest.raises(ValueError, match=r"x \* 2 - 1"):
        flow_matching.flow_matching_loss(DiffusionUNet((16, 32), patch=2), torch.full((2, 1, 28, 28), 2.0))
    model = DiffusionUNet((16, 32), n_classes=10, patch=2)
    with pytest.raises(ValueError, match=r"class numbers 0\.\.9"):
        model(x, torch.tensor([1, 2]), torch.tensor([3, 10]))
    with pytest.raises(ValueError, match="one label per sample"):
        diffusion.ddim_sample(model, schedule, (2, 1, 28, 28), steps=2, labels=torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="n_classes=10"):
        DiffusionUNet((16, 32), patch=2)(x, torch.tensor([1, 2]), torch.tensor([3, 4]))
    with pytest.raises(ValueError, match="at least one step"):
        flow_matching.euler_sample(model, (2, 1, 28, 28), steps=0)


def test_the_sinusoidal_embedding_is_the_transformer_s():
    t = torch.tensor([0.0, 1.0, 500.0])
    embedding = sinusoidal_embedding(t, 8)
    frequencies = torch.tensor([1.0, 10_000 ** (-1 / 4), 10_000 ** (-2 / 4), 10_000 ** (-3 / 4)])
    expected = torch.cat([(t[:, None] * frequencies).sin(), (t[:, None] * frequencies).cos()], dim=1)
    assert torch.allclose(embedding, expected, atol=1e-5)


def test_parameter_counts():
    assert count_parameters(DiffusionUNet()) == 498_290
    assert count_parameters(DiffusionUNet(n_classes=10)) == 499_698  # 11 more rows of 128: 10 classes and "none"
    assert count_parameters(DiffusionUNet((64, 128, 128), n_classes=10)) == 1_988_578  # full mode
    assert count_parameters(DiffusionUNet((32, 64), n_classes=10, patch=2)) == 254_517  # quick mode
    assert count_parameters(TimeMLP()) == 37_762
    with pytest.raises(ValueError, match="must divide by 2"):
        DiffusionUNet((32, 64, 64), patch=2)  # 14 -> 7 -> 3.5


def test_clipping_keeps_a_picture_already_in_range_and_pulls_a_wild_one_back():
    schedule = diffusion.NoiseSchedule.linear()
    x0 = torch.rand(4, 1, 4, 4) * 1.8 - 0.9
    eps = torch.randn(4, 1, 4, 4)
    x_t = diffusion.q_sample(schedule, x0, torch.full((4,), 700), eps)
    assert torch.allclose(diffusion.clipped_eps(schedule, x_t, 700, eps), eps, atol=1e-4)  # its picture is inside
    wild = diffusion.clipped_eps(schedule, x_t, 700, eps + 3.0)  # a noise guess that implies pixels far outside
    alpha_bar = schedule.alpha_bars[700].item()
    implied = (x_t - math.sqrt(1 - alpha_bar) * wild) / math.sqrt(alpha_bar)
    assert float(implied.abs().max()) <= 1 + 1e-4


class TimeLinearField(torch.nn.Module):
    """v(x, t) = a + b t, whatever x: Heun's rule (the trapezoid) integrates it exactly, Euler's does not."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = a, b
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x, time, labels=None):
        t = (time / flow_matching.TIME_SCALE).view(-1, *([1] * (x.dim() - 1)))
        return self.a + self.b * t


def test_heun_is_exact_for_a_velocity_linear_in_time_and_euler_is_not():
    a, b = torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.5])
    model, x0 = TimeLinearField(a, b), torch.zeros(4, 2)
    exact = x0 + a + b / 2  # the integral of a + b t from 0 to 1
    for steps in (1, 3):
        assert torch.allclose(flow_matching.heun_sample(model, x0.shape, steps=steps, x0=x0), exact, atol=1e-5)
    assert not torch.allclose(flow_matching.euler_sample(model, x0.shape, steps=3, x0=x0), exact, atol=1e-2)
