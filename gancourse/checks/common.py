"""What every self-check shares: the error it raises, and how it says "passed"."""

import torch


class CheckFailed(AssertionError):
    """A self-check found a mistake; the message is the hint."""


def require(condition: bool, hint: str) -> None:
    if not condition:
        raise CheckFailed(hint)


def scalar(result, who: str) -> float:
    """`result` as a float, once it is a 0-d tensor; else the hint to average."""
    require(isinstance(result, torch.Tensor) and result.dim() == 0,
            f"{who} should return one number (a 0-d tensor): average over the batch with .mean().")
    return float(result.detach())


def match(got: float, expected: float, wrong: dict, what: str, tolerance: float = 1e-4) -> None:
    """Raise the hint of the first known mistake whose value `got` equals; else require `got` == `expected`.

    wrong: {the value a typical mistake gives: its hint}. A mistake that happens to give the right
    value on this probe is skipped.
    """
    def near(a, b):
        return abs(a - b) <= tolerance * max(1, abs(b))

    for value, hint in wrong.items():
        if near(got, value) and not near(value, expected):
            raise CheckFailed(hint)
    require(near(got, expected), f"Got {got:.4f}, expected {expected:.4f}: {what}")


def passed(name: str) -> None:
    print(f"✓ {name}: passed")


def images(n, seed=0, shape=(1, 28, 28)):
    """Random images in [-1, 1], the range of the course's Tanh models."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, *shape, generator=generator) * 2 - 1


def same_weights(a: torch.nn.Module, b: torch.nn.Module, tol: float = 1e-6) -> bool:
    return all(torch.allclose(p, q, atol=tol, rtol=tol) for p, q in zip(a.parameters(), b.parameters(), strict=True))
