"""fit(): the training loop every notebook shares.

The notebook writes the idea of the lecture, a `step(batch) -> {loss name: value}`;
fit() does the plumbing around it: progress bar, loss history, per-epoch callbacks,
atomic checkpoints, resume, Ctrl-C, and a stop on NaN.
"""

import math
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from . import atomic
from .models.modes import evaluating
from .signature import differences, signature


@dataclass
class History:
    """Every loss at every step, and its mean over each completed epoch."""

    steps: dict = field(default_factory=dict)
    epochs: dict = field(default_factory=dict)
    epochs_done: int = 0

    def record_step(self, losses: dict) -> None:
        for name, value in losses.items():
            self.steps.setdefault(name, []).append(value)

    def close_epoch(self, first_step: int) -> None:
        for name, values in self.steps.items():
            epoch_values = values[first_step:]
            self.epochs.setdefault(name, []).append(sum(epoch_values) / max(len(epoch_values), 1))
        self.epochs_done += 1

    @property
    def n_steps(self) -> int:
        return max((len(v) for v in self.steps.values()), default=0)

    def __repr__(self) -> str:
        return f"History({self.epochs_done} epochs, {self.n_steps} steps, losses: {', '.join(self.steps) or 'none'})"

    def as_dict(self) -> dict:
        return {"steps": self.steps, "epochs": self.epochs, "epochs_done": self.epochs_done}


def _rng_state() -> dict:
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: Path, payload: dict) -> None:
    """Write atomically (atomic.save): a crash mid-write never leaves a broken checkpoint."""
    atomic.save(payload, path)


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read; the message names the file and the fix."""


def load_checkpoint(path: Path) -> dict:
    """Load with weights_only=True: a checkpoint from elsewhere cannot run code on load.

    Whatever torch cannot read that way (a file cut short, overwritten, not a checkpoint, or one
    holding objects other than tensors and plain values) raises CheckpointError naming the file.
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:  # garbage, or a pickle that asks for more than weights
        detail = " ".join(str(error).split())
        if "WeightsUnpickler error:" in detail:  # torch's long advice around it is about trusting the file
            detail = detail.split("WeightsUnpickler error:")[1].split("Check the documentation")[0].strip()
        detail = detail[:160]
        raise CheckpointError(
            f"{path} cannot be loaded safely (torch.load with weights_only=True refused it: {detail}). It is not "
            "a checkpoint fit() wrote, or it is damaged. Fix: move it away or delete it, and run fit() again to "
            "train afresh."
        ) from error
    except Exception as error:  # RuntimeError (torn zip), EOFError, OSError [Errno 22], ...
        detail = " ".join(str(error).split())[:200] or type(error).__name__
        raise CheckpointError(
            f"{path} is not a readable checkpoint ({detail}): it was cut short or is not one of fit()'s. "
            f"Fix: move it away or delete it, and run fit() again to train afresh."
        ) from error


def _set_aside(path: Path) -> Path:
    """Rename an old run's checkpoint to `<name>.<n>.old<suffix>` beside it, never overwriting one."""
    path = Path(path)
    n = 1
    while (aside := path.with_name(f"{path.stem}.{n}.old{path.suffix}")).exists():
        n += 1
    os.replace(path, aside)
    return aside


def _as_float(name: str, value, epoch: int, step: int) -> float:
    value = value.detach().item() if isinstance(value, torch.Tensor) else float(value)
    if not math.isfinite(value):
        raise FloatingPointError(
            f"loss '{name}' became {value} at epoch {epoch}, step {step}. The run stopped here; the last "
            "checkpoint (if any) holds the epoch before. Fix: lower the learning rate, check the inputs' "
            "range, or compute the loss from logits."
        )
    return value


def _same_run_checkpoint(checkpoint, run: dict, state: dict):
    """The saved checkpoint when it was written by this same run (see signature.py), else None.

    A checkpoint of a changed run (another step function, model shape, optimiser or
    hyper-parameter) is renamed aside, never loaded and never deleted, and the run starts afresh.
    """
    if not Path(checkpoint).exists():
        return None
    saved = load_checkpoint(checkpoint)
    if not isinstance(saved, dict) or not {"state", "history", "batches_done"} <= set(saved):
        raise CheckpointError(f"{checkpoint} was not written by fit(). Fix: move it away or delete it.")
    if set(saved["state"]) != set(state):
        raise ValueError(
            f"checkpoint {checkpoint} holds {sorted(saved['state'])} but state has {sorted(state)}. "
            "Fix: pass the same state names, or delete the checkpoint to start afresh."
        )
    changed = differences(saved.get("signature", {}), run)
    if changed:
        aside = _set_aside(checkpoint)
        print(f"Starting afresh: {'; '.join(changed)} changed since {checkpoint} was written (kept as {aside.name}).")
        return None
    return saved


def _restore(saved_state: dict, state: dict, checkpoint) -> None:
    for name, obj in state.items():
        try:
            obj.load_state_dict(saved_state[name])
        except (RuntimeError, ValueError, KeyError) as error:
            detail = " ".join(str(error).split())[:300]
            raise ValueError(
                f"checkpoint {checkpoint} does not fit state['{name}'] (was the model or optimiser changed "
                f"since it was saved?): {detail}\nFix: delete the checkpoint to train afresh."
            ) from error


def fit(step, data, epochs: int, *, state: dict | None = None, checkpoint=None, callbacks=(), progress=True):
    """Train for `epochs` epochs by calling `step(batch)` on every batch of `data`.

    step:       a function of one batch returning a dict of losses (floats or 0-d tensors).
    state:      the objects to checkpoint, e.g. {"model": model, "optimizer": optimizer};
                anything with state_dict() / load_state_dict().
    checkpoint: a file path. Written atomically after every epoch and on Ctrl-C; when it
                exists, training resumes from it (weights, optimiser, history, random state,
                and position inside the epoch), so an interrupted run picks up where it was.
    callbacks:  functions `callback(epoch, history)` run after each epoch (sample grids, ...).

    Returns the History. Ctrl-C ends training early, saves, and returns the history so far.
    """
    if checkpoint is not None and not state:
        raise ValueError("fit(checkpoint=...) needs state={'model': model, 'optimizer': optimizer, ...} to save.")
    state = state or {}
    history = History()
    start_epoch, skip_batches, resume_rng, epoch_rng = 0, 0, None, None
    run = signature(step, state)  # before any loading: the settings this call was given
    saved = _same_run_checkpoint(checkpoint, run, state) if checkpoint is not None else None
    if saved is not None:
        _restore(saved["state"], state, checkpoint)
        history = History(**saved["history"])
        start_epoch, skip_batches = history.epochs_done, saved["batches_done"]
        # Mid-epoch, the random state after the done batches is restored once they are skipped.
        epoch_rng, resume_rng = saved["epoch_rng"], (saved["rng"] if skip_batches else None)
        where = f"epoch {start_epoch + 1}, batch {skip_batches}" if skip_batches else f"epoch {start_epoch + 1}"
        if start_epoch < epochs:
            print(f"Resuming from {checkpoint}: {start_epoch} of {epochs} epochs done, continuing at {where}.")
        else:
            print(f"Loaded {checkpoint}: all {start_epoch} epochs are done, nothing to train. "
                  "Change a setting, or delete it, to train afresh.")

    def snapshot(batches_done: int, epoch_start_rng) -> dict:
        return {
            "signature": run,
            "state": {name: obj.state_dict() for name, obj in state.items()},
            "history": history.as_dict(),
            "batches_done": batches_done,
            "epoch_rng": epoch_start_rng,  # the random state the (current or next) epoch starts from
            "rng": _rng_state(),
        }

    for epoch in range(start_epoch, epochs):
        # The shuffle order is drawn from the global RNG when the iterator is made; saving the
        # state here lets a resumed run replay the same order and skip what was done.
        if epoch_rng is not None:
            _set_rng_state(epoch_rng)
        epoch_rng = _rng_state()
        first_step = history.n_steps - skip_batches
        batches = iter(data)
        for _ in range(skip_batches):
            next(batches)
        if resume_rng is not None:
            _set_rng_state(resume_rng)
        batches_done, resume_rng = skip_batches, None
        total = len(data) if hasattr(data, "__len__") else None
        bar = tqdm(batches, total=total, initial=skip_batches, desc=f"epoch {epoch + 1}/{epochs}", disable=not progress)
        # Running sums for the bar's epoch means (resumed mid-epoch: start from the done steps).
        sums = {name: sum(values[first_step:]) for name, values in history.steps.items()}
        try:
            for batch in bar:
                losses = {name: _as_float(name, value, epoch + 1, batches_done + 1)
                          for name, value in step(batch).items()}
                history.record_step(losses)
                batches_done += 1
                for name, value in losses.items():
                    sums[name] = sums.get(name, 0.0) + value
                bar.set_postfix({name: f"{total / batches_done:.4g}" for name, total in sums.items()}, refresh=False)
        except KeyboardInterrupt:
            bar.close()
            if checkpoint is not None:
                save_checkpoint(checkpoint, snapshot(batches_done, epoch_rng))
                print(f"Interrupted at epoch {epoch + 1}, batch {batches_done}; saved {checkpoint}. "
                      "Run the same fit() again to resume.")
            else:
                print(f"Interrupted at epoch {epoch + 1}, batch {batches_done}; returning the history so far.")
            return history
        bar.close()
        skip_batches, epoch_rng = 0, None
        history.close_epoch(first_step)
        # Callbacks may sample noise; they must not change the random stream training sees,
        # or a resumed run (which skips them for past epochs) would diverge from an unbroken one.
        # They run before the checkpoint is written, so that state they keep (FixedNoise's
        # pictures) is saved with the epoch that made it.
        training_rng, interrupted = _rng_state(), False
        try:
            for callback in callbacks:
                callback(epoch + 1, history)
        except KeyboardInterrupt:
            interrupted = True
        _set_rng_state(training_rng)
        if checkpoint is not None:
            save_checkpoint(checkpoint, snapshot(0, _rng_state()))
        if interrupted:
            saved = "; the checkpoint holds it. Run fit() again to resume" if checkpoint is not None else ""
            print(f"Interrupted after epoch {epoch + 1}{saved}.")
            return history
    return history


class FixedNoise:
    """A fit() callback that keeps what the generator makes of the same noise after every epoch.

    Give it to fit() twice: in `callbacks`, so it draws after each epoch, and in `state`, so
    its pictures (and the noise) are saved in the checkpoint. A resumed run then keeps the
    earlier epochs' pictures, and re-running a finished fit() still has them all.
    """

    def __init__(self, generator, z: torch.Tensor, labels=None):
        self.generator, self.z, self.labels = generator, z, labels
        self.frames = []

    def __call__(self, epoch: int, history: History) -> None:
        with torch.no_grad(), evaluating(self.generator):
            fakes = self.generator(self.z) if self.labels is None else self.generator(self.z, self.labels)
        self.frames.append(fakes.cpu())

    def state_dict(self) -> dict:
        return {"z": self.z.cpu(), "frames": self.frames}

    def load_state_dict(self, state: dict) -> None:
        self.z = state["z"].to(self.z.device)
        self.frames = list(state["frames"])


def linear_decay(optimizer, n_epochs: int = 100, n_epochs_decay: int = 100):
    """pix2pix's schedule: the initial learning rate for n_epochs, then a linear decay over n_epochs_decay.

    Epoch e (counted from 0) trains at lr * min(1, 1 - (e + 1 - n_epochs) / (n_epochs_decay + 1)):
    the first decay epoch at n_epochs_decay / (n_epochs_decay + 1) of it, the last at
    1 / (n_epochs_decay + 1), never 0. (The reference steps its scheduler before each epoch and
    so trains its last epoch at 0.) Call `.step()` after each epoch, e.g. as a fit() callback.
    """
    def factor(epoch: int) -> float:
        return min(1.0, 1.0 - (epoch + 1 - n_epochs) / (n_epochs_decay + 1))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
