"""The earth mover's (Wasserstein-1) distance between two sets of 1-D samples, exactly (lecture 8).

Picture each sample set as a pile of dirt, each sample a grain of equal weight. W1 is the least
total work (weight times distance) that reshapes one pile into the other. On a line the cheapest
plan never crosses paths: the k-th smallest grain of one pile goes to the k-th smallest of the
other, and in general W1 is the area between the two cumulative distribution functions,

    W1(P, Q) = integral |F_P(t) - F_Q(t)| dt.

Unlike the Jensen-Shannon divergence, which is log 2 for any two piles that do not overlap, W1
grows with the distance between them: it still says which way to move.
"""

import torch


def wasserstein_1d(a, b) -> float:
    """W1 between the empirical distributions of the samples `a` and `b` (any shapes, flattened), in float64.

    With as many samples in each, this is mean |sort(a) - sort(b)|; otherwise the area between
    the two step-function CDFs, summed exactly over the intervals between the pooled samples.
    """
    a = torch.as_tensor(a, dtype=torch.float64).flatten().sort().values
    b = torch.as_tensor(b, dtype=torch.float64).flatten().sort().values
    if len(a) == 0 or len(b) == 0:
        raise ValueError("wasserstein_1d needs at least one sample on each side.")
    if len(a) == len(b):
        return (a - b).abs().mean().item()
    points = torch.cat([a, b]).sort().values
    cdf_a = torch.searchsorted(a, points[:-1], right=True).double() / len(a)
    cdf_b = torch.searchsorted(b, points[:-1], right=True).double() / len(b)
    return ((cdf_a - cdf_b).abs() * points.diff()).sum().item()
