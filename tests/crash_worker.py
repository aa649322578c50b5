"""A process for tests/test_crash_safety.py to kill: one of the package's writers, run to its end.

    python crash_worker.py fit CHECKPOINT EPOCHS   # fit() with a checkpoint after every (short) epoch, or none
    python crash_worker.py cache CACHE_FILE        # cached_images() building a 24 MB cache
    python crash_worker.py unpack ARCHIVE TARGET   # pix2pix.unpack() of a many-file tar.gz

It prints "ready" once its imports are done, so that the test's kill lands in the work itself.
`fit` prints the final weights' checksum when it completes.
"""

import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

ENDLESS = 100_000  # epochs for the runs that are killed (about 55 ms each on a 2-core CPU)
WIDTH = 384  # two 384x384 layers and Adam's two moments: a 3.5 MB checkpoint, written after each epoch


def make_fit():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(WIDTH, WIDTH), torch.nn.Tanh(), torch.nn.Linear(WIDTH, WIDTH))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = TensorDataset(torch.randn(32, WIDTH, generator=torch.Generator().manual_seed(1)))
    loader = DataLoader(data, batch_size=8, shuffle=True)  # the order comes from the global stream fit() restores

    def step(batch):
        (x,) = batch
        loss = (model(x + 0.1 * torch.randn_like(x)) - x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {"loss": loss}

    return model, optimizer, step, loader


def run_fit(checkpoint: str, epochs: str) -> None:
    from gancourse.train import fit  # each command imports only its writer: a quicker start between kills

    model, optimizer, step, loader = make_fit()
    print("ready", flush=True)
    fit(step, loader, epochs=int(epochs), state={"model": model, "optimizer": optimizer},
        checkpoint=None if checkpoint == "none" else checkpoint, progress=False)
    print("weights", sum(p.double().sum().item() * (i + 1) for i, p in enumerate(model.parameters())), flush=True)


def cache_files(folder: Path, n: int = 2000) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / f"{i}.txt" for i in range(n)]
    for i, path in enumerate(files):
        if not path.exists():
            path.write_text(str(i))
    return files


def fake_decode(path: Path, size: int) -> torch.Tensor:
    """Each 'picture' is its file's number in every pixel: a cache can be checked against its files."""
    return torch.full((3, size, size), int(Path(path).read_text()) % 251, dtype=torch.uint8)


def run_cache(cache_file: str) -> None:
    from gancourse.data.cache import cached_images

    files = cache_files(Path(cache_file).parent / "files")
    print("ready", flush=True)
    images = cached_images(files, 64, Path(cache_file), progress=False, decoder=fake_decode)
    print("images", len(images), flush=True)


def run_unpack(archive: str, target: str) -> None:
    from gancourse.data import pix2pix

    print("ready", flush=True)
    pix2pix.unpack(Path(archive), "facades", Path(target))
    print("unpacked", flush=True)


if __name__ == "__main__":
    {"fit": run_fit, "cache": run_cache, "unpack": run_unpack}[sys.argv[1]](*sys.argv[2:])
