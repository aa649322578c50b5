"""Minibatch features (lecture 8's first remedy for mode collapse): let D see a whole batch at once.

A discriminator that judges one picture at a time cannot see that a batch of fakes are all the
same digit, so a collapsed generator can fool it picture by picture. Salimans et al. 2016 give D
features computed across the batch ("minibatch discrimination"); Karras et al. 2018 reduce the
idea to one number, the batch's standard deviation, which a collapsed batch has near zero.
"""

import torch
import torch.nn as nn


class MinibatchStdDev(nn.Module):
    """Appends one feature: the standard deviation of every feature over the (group of the) batch, averaged.

    Input [N, C, H, W] (or [N, F]); output [N, C + 1, H, W] (or [N, F + 1]), the extra channel
    constant within each picture. With group_size g the batch is split into groups of g
    pictures (sample i in group i mod N/g), each with its own statistic, as Karras et al.
    (g = 4); the batch size must be a multiple of g, or smaller than it (one group).
    """

    def __init__(self, group_size: int = 4, eps: float = 1e-8):
        super().__init__()
        self.group_size, self.eps = group_size, eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        g = min(self.group_size, n)
        if n % g:
            raise ValueError(f"MinibatchStdDev(group_size={self.group_size}) got a batch of {n}. Fix: use a batch "
                             f"size that is a multiple of {g}, or a group size that divides {n}.")
        groups = x.reshape(g, n // g, *x.shape[1:])  # [g, n/g, ...]: sample i sits in column i mod n/g
        std = (groups.var(dim=0, unbiased=False) + self.eps).sqrt()  # per column and feature
        statistic = std.flatten(1).mean(dim=1)  # [n/g]: one number per group
        per_sample = statistic.repeat(g)  # back to the order of the batch
        extra = per_sample.view(n, 1, *([1] * (x.dim() - 2))).expand(n, 1, *x.shape[2:])
        return torch.cat([x, extra.to(x.dtype)], dim=1)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"
