"""Self-checks of lecture 9: self-attention, truncated sampling, the fade-in blend, AdaIN."""

import math

import torch

from ..models.attention import SelfAttention
from ..models.stylegan import instance_norm
from .common import CheckFailed, require


def _close(a: torch.Tensor, b: torch.Tensor, tolerance: float = 1e-4) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, atol=tolerance, rtol=tolerance)


def check_self_attention(attention_class) -> None:
    """The student's SelfAttention(channels) forward against the package's, with the same f, g, h and gamma."""
    torch.manual_seed(0)
    channels, x = 16, torch.randn(2, 16, 5, 6)  # not square: a transposed height and width shows
    student, reference = attention_class(channels), SelfAttention(channels)
    try:
        student.load_state_dict(reference.state_dict())
    except RuntimeError as error:
        raise CheckFailed("Keep the layers the cell defines (f, g, h and gamma) with their shapes: "
                          f"f and g to channels // 8, h to channels. PyTorch said: {error}") from None
    with torch.no_grad():
        out = student(x)
        require(out.shape == x.shape, f"The output has shape {tuple(out.shape)}, the input {tuple(x.shape)}: "
                                      "o_j must be reshaped back to [B, C, H, W] before gamma * o + x.")
        require(_close(out, x), "With gamma = 0 (its initial value) the layer must return x unchanged: "
                                "the output is gamma * o + x.")
        for module in (student, reference):
            module.gamma.fill_(0.7)
        out, expected = student(x), reference(x)
        if not _close(out, expected):
            keys, queries = reference.f(x).flatten(2), reference.g(x).flatten(2)
            over_queries = (queries.transpose(1, 2) @ keys).softmax(dim=1)
            wrong = (reference.h(x).flatten(2) @ over_queries.transpose(1, 2)).view_as(x)
            require(not _close(out, 0.7 * wrong + x), "The softmax runs over the queries: each query's weights over "
                                                      "the key positions must sum to 1 (softmax over i, the keys).")
            require(not _close(out, 0.7 * x + x), "o equals x: weight the values h(x), not the input itself.")
            raise CheckFailed("The output differs from gamma * o + x with o_j = sum_i beta_{j,i} h(x_i) and "
                              "beta_{j,i} = softmax over i of f(x_i) . g(x_j).")
    print("✓ self-attention: passed")


def check_truncated_normal(truncated_normal) -> None:
    """truncated_normal(n, dim, threshold): N(0, 1) conditioned on |z| <= threshold, re-drawn, not clipped."""
    torch.manual_seed(0)
    threshold = 1.5
    z = truncated_normal(40_000, 5, threshold)
    require(isinstance(z, torch.Tensor) and z.shape == (40_000, 5), "Return a tensor of shape [n, dim].")
    require(bool((z.abs() <= threshold).all()), "Some values lie beyond the threshold: every one must be inside.")
    at_edge = (z.abs() > threshold - 1e-6).double().mean().item()
    require(at_edge < 0.01, f"{at_edge:.0%} of the values sit exactly at +-threshold: that is clipping. Draw the "
                            "values beyond it again instead, until they fall inside.")
    # E|z| for the normal conditioned on |z| <= t: 2 (phi(0) - phi(t)) / (2 Phi(t) - 1), 0.622 at t = 1.5
    density = math.exp(-threshold**2 / 2) / math.sqrt(2 * math.pi)
    expected = 2 * (1 / math.sqrt(2 * math.pi) - density) / math.erf(threshold / math.sqrt(2))
    mean_abs = z.abs().mean().item()
    require(abs(mean_abs - threshold / 2) > 0.02, "The values look uniform on [-threshold, threshold]: draw them "
                                                  "from the normal (torch.randn) and re-draw those outside.")
    require(abs(mean_abs - expected) < 0.005, f"The mean of |z| is {mean_abs:.3f}; the normal cut off at "
                                              f"{threshold} has {expected:.3f}. Re-draw from torch.randn.")
    print("✓ truncated normal: passed")


def check_fade_in(fade_in) -> None:
    """fade_in(old, new, alpha) = (1 - alpha) old + alpha new."""
    old, new = torch.full((2, 1, 4, 4), 2.0), torch.full((2, 1, 4, 4), 6.0)
    at = {alpha: fade_in(old, new, alpha) for alpha in (0.0, 0.25, 1.0)}
    require(_close(at[0.0], old), "alpha = 0 must give the old (upsampled) output alone: the new layer has not "
                                  "started to fade in.")
    require(_close(at[1.0], new), "alpha = 1 must give the new layer's output alone.")
    require(_close(at[0.25], torch.full_like(old, 3.0)), "At alpha = 0.25 the blend is 0.75 old + 0.25 new.")
    print("✓ fade-in: passed")


def check_adain(adain) -> None:
    """adain(x, y_s, y_b): each channel of each picture normalised over its own pixels, then scaled and shifted."""
    torch.manual_seed(0)
    x = torch.randn(4, 3, 6, 6) * torch.tensor([1.0, 3.0, 0.5])[:, None, None] + 2.0
    y_s, y_b = torch.rand(4, 3) + 0.5, torch.randn(4, 3)
    out = adain(x, y_s, y_b)
    require(isinstance(out, torch.Tensor) and out.shape == x.shape, "Return a tensor shaped like x.")
    expected = y_s[:, :, None, None] * instance_norm(x) + y_b[:, :, None, None]
    if not _close(out, expected, 1e-3):
        batch = (x - x.mean(dim=(0, 2, 3), keepdim=True)) / x.std(dim=(0, 2, 3), keepdim=True, unbiased=False)
        require(not _close(out, y_s[:, :, None, None] * batch + y_b[:, :, None, None], 1e-3),
                "These are batch statistics: AdaIN normalises each picture's channel over its own pixels "
                "(mean and std over dimensions 2 and 3 only).")
        require(not _close(out, y_b[:, :, None, None] * instance_norm(x) + y_s[:, :, None, None], 1e-3),
                "Scale and bias are swapped: y_s multiplies, y_b is added.")
        mean = out.mean(dim=(2, 3))
        require(_close(mean, y_b, 1e-3), "Each output channel's mean must be y_b: subtract the channel's own mean.")
        raise CheckFailed("Each output channel's standard deviation must be y_s: divide by the channel's own std "
                          "(over its pixels, unbiased=False) before scaling.")
    print("✓ AdaIN: passed")
