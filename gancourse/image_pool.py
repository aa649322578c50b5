"""The image pool of CycleGAN (Shrivastava et al. 2017): the discriminators see a history of fakes.

A discriminator trained only on the generator's latest pictures chases it: each update undoes
what the last generator exploited, and the two can circle. Shrivastava et al. update the
discriminator with fakes drawn from a buffer of earlier ones; CycleGAN keeps 50.
"""

import torch


class ImagePool:
    """A buffer of up to `size` earlier fakes; `query(fakes)` returns the batch D trains on.

    Until the pool is full each fake is stored and returned as it is. Once full, each fake has a
    50 % chance to be returned as it is, and otherwise it takes the place of a stored fake chosen
    at random, which is returned instead. size=0 turns the pool off.

    The coin flips and choices come from a torch.Generator of the pool's own (seeded by `seed`),
    so the pool neither draws from nor shifts the global random stream, and `state_dict()`
    (stored fakes and that generator's state) lets fit() resume it exactly.
    """

    def __init__(self, size: int = 50, seed: int = 0):
        if size < 0:
            raise ValueError(f"size={size}: an image pool holds 0 (off) or more images; CycleGAN uses 50.")
        self.size = size
        self.images = []
        self.random = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.images)

    @torch.no_grad()
    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        """The batch D trains on: fakes, each either itself or swapped for an older one. Detached from G."""
        fakes = fakes.detach()
        if self.size == 0:
            return fakes
        returned = []
        for fake in fakes:
            if len(self.images) < self.size:
                self.images.append(fake.clone())
                returned.append(fake)
            elif torch.rand((), generator=self.random) < 0.5:
                i = int(torch.randint(len(self.images), (), generator=self.random))
                returned.append(self.images[i].to(fake.device))
                self.images[i] = fake.clone()
            else:
                returned.append(fake)
        return torch.stack(returned)

    def settings(self) -> str:
        """What fit() compares before resuming a checkpoint: a pool of another size is another run."""
        return f"size={self.size}"

    def state_dict(self) -> dict:
        return {"size": self.size, "images": [image.cpu() for image in self.images],
                "random": self.random.get_state()}

    def load_state_dict(self, state: dict) -> None:
        if state["size"] != self.size:
            raise ValueError(f"the saved pool held up to {state['size']} images, this one {self.size}.")
        self.images = list(state["images"])
        self.random.set_state(state["random"])

    def __repr__(self) -> str:
        return f"ImagePool({len(self.images)} of {self.size} stored)"
