"""Lecture 9's self-checks: the package's answers pass, the lecture's typical mistakes fail with their hints."""

import pytest
import torch

from gancourse import latent
from gancourse.checks import CheckFailed, check_adain, check_fade_in, check_self_attention, check_truncated_normal
from gancourse.models.attention import SelfAttention
from gancourse.models.progan import fade_in
from gancourse.models.stylegan import instance_norm


def package_adain(x, y_s, y_b):
    return y_s[:, :, None, None] * instance_norm(x) + y_b[:, :, None, None]


def test_the_packages_answers_pass(capsys):
    check_self_attention(SelfAttention)
    check_truncated_normal(latent.truncated_normal)
    check_fade_in(fade_in)
    check_adain(package_adain)
    assert capsys.readouterr().out.count("passed") == 4


class SoftmaxOverQueries(SelfAttention):
    def attention(self, x):
        scores = self.g(x).flatten(2).transpose(1, 2) @ self.f(x).flatten(2)
        return scores.softmax(dim=1)


class AttendsToInput(SelfAttention):
    def forward(self, x):
        return self.gamma * x + x


@pytest.mark.parametrize("mistake, hint", [
    (SoftmaxOverQueries, "softmax runs over the queries"),
    (AttendsToInput, "weight the values"),
], ids=["softmax-over-queries", "values-are-x"])
def test_self_attention_mistakes(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_self_attention(mistake)


def test_self_attention_must_start_as_the_identity():
    class AlwaysOn(SelfAttention):
        def forward(self, x):
            values = self.h(x).flatten(2)
            return (values @ self.attention(x).transpose(1, 2)).view_as(x) + x  # no gamma

    with pytest.raises(CheckFailed, match="gamma = 0"):
        check_self_attention(AlwaysOn)


def clipped(n, dim, threshold):
    return torch.randn(n, dim).clamp(-threshold, threshold)


def uniform(n, dim, threshold):
    return (torch.rand(n, dim) * 2 - 1) * threshold


@pytest.mark.parametrize("mistake, hint", [
    (clipped, "clipping"),
    (uniform, "uniform"),
    (lambda n, dim, threshold: torch.randn(n, dim), "beyond the threshold"),
], ids=["clip", "uniform", "no-truncation"])
def test_truncated_normal_mistakes(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_truncated_normal(mistake)


@pytest.mark.parametrize("mistake, hint", [
    (lambda old, new, alpha: alpha * old + (1 - alpha) * new, "alpha = 0 must give the old"),
    (lambda old, new, alpha: old + alpha * new, "alpha = 1 must give the new"),
], ids=["swapped", "no-fade-out"])
def test_fade_in_mistakes(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_fade_in(mistake)


def batch_statistics(x, y_s, y_b):
    normal = (x - x.mean(dim=(0, 2, 3), keepdim=True)) / x.std(dim=(0, 2, 3), keepdim=True, unbiased=False)
    return y_s[:, :, None, None] * normal + y_b[:, :, None, None]


def swapped(x, y_s, y_b):
    return package_adain(x, y_b, y_s)


def no_division(x, y_s, y_b):
    return y_s[:, :, None, None] * (x - x.mean(dim=(2, 3), keepdim=True)) + y_b[:, :, None, None]


@pytest.mark.parametrize("mistake, hint", [
    (batch_statistics, "batch statistics"),
    (swapped, "swapped"),
    (no_division, "standard deviation must be y_s"),
], ids=["batch-norm", "swapped", "no-division"])
def test_adain_mistakes(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_adain(mistake)
