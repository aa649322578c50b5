"""What every self-check shares: the error it raises, and how it says "passed"."""

import torch


class CheckFailed(AssertionError):
    """A self-check found a mistake; the message is the hint."""


def require(condition: bool, hint: str) -> None:
    if not condition:
        raise CheckFailed(hint)


def passed(name: str) -> None:
    print(f"✓ {name}: passed")


def images(n, seed=0, shape=(1, 28, 28)):
    """Random images in [-1, 1], the range of the course's Tanh models."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, *shape, generator=generator) * 2 - 1


def same_weights(a: torch.nn.Module, b: torch.nn.Module, tol: float = 1e-6) -> bool:
    return all(torch.allclose(p, q, atol=tol, rtol=tol) for p, q in zip(a.parameters(), b.parameters(), strict=True))
