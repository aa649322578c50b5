"""The Parzen-window estimator against closed forms, brute force, and its own blocks."""

import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from gancourse import parzen

CENTRES = torch.tensor([[2.0], [2.5], [3.0], [1.0], [6.0]])


def p(x, centres=CENTRES, sigma=1.0):
    return parzen.log_likelihood(torch.tensor([[float(x)]]), centres, sigma, value_range=None).exp().item()


@pytest.mark.parametrize("x, sigma, expected", [(3, 1, 0.210280), (0, 1, 0.063584), (2, 1, 0.247017),
                                                (6, 1, 0.080876), (3, 0.5, 0.278015)])
def test_the_lectures_worked_example(x, sigma, expected):
    assert p(x, sigma=sigma) == pytest.approx(expected, abs=5e-7)


def test_log_p_of_3_in_nats():
    log_p = parzen.log_likelihood(torch.tensor([[3.0]]), CENTRES, 1.0, value_range=None).item()
    assert log_p == pytest.approx(-1.559314, abs=1e-6)


def test_two_dimensional_closed_form():
    centres = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    log_p = parzen.log_likelihood(torch.zeros(1, 2), centres, 1.0, value_range=None).item()
    assert log_p == pytest.approx(-2.217763, abs=1e-6)


def test_a_point_on_the_only_centre_scores_the_gaussian_peak():
    x = torch.full((1, 784), 0.5)
    log_p = parzen.log_likelihood(x, x.clone(), 0.2).item()
    assert log_p == pytest.approx(-784 * math.log(0.2 * math.sqrt(2 * math.pi)), rel=1e-12)
    assert log_p == pytest.approx(541.35, abs=0.01)


def test_far_points_stay_finite():
    # every exponent is about -1e4: exp() underflows to 0, the shifted sum does not
    x, centres = torch.zeros(3, 784), torch.ones(4, 784)
    values = parzen.log_likelihood(x, centres, 0.2)
    assert torch.isfinite(values).all()
    assert values[0].item() == pytest.approx(-784 / (2 * 0.04) - 784 * math.log(0.2 * math.sqrt(2 * math.pi)))


def brute_force(x, centres, sigma):
    x, centres = x.double().numpy(), centres.double().numpy()
    squared = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    d = x.shape[1]
    normaliser = math.log(len(centres)) + d * math.log(sigma * math.sqrt(2 * math.pi))
    return logsumexp(-squared / (2 * sigma**2), axis=1) - normaliser


def test_blocked_and_unblocked_agree_with_float64_brute_force():
    generator = torch.Generator().manual_seed(0)
    x, centres = torch.rand(70, 784, generator=generator), torch.rand(130, 784, generator=generator)
    whole = parzen.log_likelihood(x, centres, 0.25)
    blocked = parzen.log_likelihood(x, centres, 0.25, block=16)  # blocks over both the points and the samples
    np.testing.assert_allclose(blocked.numpy(), whole.numpy(), rtol=1e-6)
    np.testing.assert_allclose(whole.numpy(), brute_force(x, centres, 0.25), rtol=0, atol=1e-6)


def test_all_sigmas_from_one_pass_match_one_sigma_at_a_time():
    generator = torch.Generator().manual_seed(1)
    x, centres = torch.rand(20, 50, generator=generator), torch.rand(30, 50, generator=generator)
    sigmas = [0.1, 0.3, 1.0]
    together = parzen.log_likelihoods(x, centres, sigmas)
    for i, sigma in enumerate(sigmas):
        torch.testing.assert_close(together[i], parzen.log_likelihood(x, centres, sigma))


def test_select_sigma_picks_the_argmax_of_its_curve():
    generator = torch.Generator().manual_seed(2)
    samples, valid = torch.rand(200, 30, generator=generator), torch.rand(50, 30, generator=generator)
    sigma, sigmas, curve = parzen.select_sigma(samples, valid)
    np.testing.assert_allclose(sigmas, np.logspace(-1, 0, 10))
    assert sigma == sigmas[int(np.argmax(curve))]
    assert 0.1 < sigma < 1.0  # an interior optimum for uniform data in 30 dimensions


def test_evaluate_reports_mean_and_standard_error_of_the_test_set():
    generator = torch.Generator().manual_seed(3)
    samples, valid, test = (torch.rand(n, 10, generator=generator) for n in (100, 40, 60))
    result = parzen.evaluate(samples, valid, test)
    scores = parzen.log_likelihood(test, samples, result.sigma)
    assert result.mean == pytest.approx(scores.mean().item())
    assert result.stderr == pytest.approx((scores.std() / math.sqrt(60)).item())
    assert (result.n_samples, result.n_test) == (100, 60)


def test_result_prints_like_the_papers_table():
    result = parzen.ParzenResult(225.3, 2.04, 0.2, np.array([0.2]), np.array([0.0]), 10_000, 10_000)
    assert str(result) == "225 ± 2"
    assert str(parzen.ParzenResult(121.0, 1.6, 0.2, np.array([0.2]), np.array([0.0]), 1, 1)) == "121.0 ± 1.6"


def test_minus_one_to_one_images_are_mapped_to_the_unit_range():
    generator = torch.Generator().manual_seed(4)
    x, centres = torch.rand(5, 16, generator=generator), torch.rand(7, 16, generator=generator)
    torch.testing.assert_close(parzen.log_likelihood(x * 2 - 1, centres * 2 - 1, 0.3, value_range=(-1, 1)),
                               parzen.log_likelihood(x, centres, 0.3))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: parzen.log_likelihood(torch.rand(2, 5), torch.rand(3, 6), 0.2), "dimensions"),
        (lambda: parzen.log_likelihood(torch.rand(0, 5), torch.rand(3, 5), 0.2), "empty"),
        (lambda: parzen.log_likelihood(torch.rand(2, 5), torch.rand(3, 5), 0.0), "positive"),
        (lambda: parzen.log_likelihood(torch.rand(2, 5), torch.rand(3, 5), -1.0), "positive"),
        (lambda: parzen.log_likelihood(torch.rand(2, 5) * 2 - 1, torch.rand(3, 5), 0.2), "value_range=\\(-1, 1\\)"),
        (lambda: parzen.log_likelihood(torch.rand(2, 5), torch.rand(3, 5), 0.2, value_range=(0, 255)),
         "use \\(0, 1\\)"),
        (lambda: parzen.evaluate(torch.tensor([[0.5] * 5, [float("nan")] * 5]), torch.rand(3, 5), torch.rand(3, 5)),
         "samples holds NaN or infinite values in 1 of 2 points \\(the first at index 1\\).*diverged.*Fix"),
        (lambda: parzen.log_likelihood(torch.rand(2, 5), torch.full((3, 5), float("inf")), 0.2, value_range=None),
         "samples holds NaN or infinite values in 3 of 3"),
        (lambda: parzen.log_likelihood(torch.tensor([[float("nan")] * 5]), torch.rand(3, 5), 0.2), "x holds NaN"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_runs_on_cuda_and_agrees_with_the_cpu():
    x, centres = torch.rand(50, 20), torch.rand(40, 20)
    on_cuda = parzen.log_likelihood(x.cuda(), centres.cuda(), 0.3)
    torch.testing.assert_close(on_cuda, parzen.log_likelihood(x, centres, 0.3))
