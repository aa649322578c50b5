"""fit(): history, checkpoints written atomically and loaded safely, resume, Ctrl-C, NaN."""

import pickle

import pytest
import torch
import torch.nn.functional as F
from helpers import InterruptAt
from torch.utils.data import DataLoader, TensorDataset

from gancourse.train import CheckpointError, fit, load_checkpoint, save_checkpoint


def make_run(seed=0):
    """A small regression problem whose result depends on the shuffle order and on noise.

    The data and initial weights are always the same; `seed` sets the random state after them.
    """
    torch.manual_seed(0)
    x = torch.randn(40, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(40)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    torch.manual_seed(seed)

    def step(batch):
        xb, yb = batch
        noisy = xb + 0.01 * torch.randn_like(xb)  # randomness inside the step, as in a VAE or GAN
        loss = F.mse_loss(model(noisy).squeeze(1), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {"loss": loss, "half": loss.item() / 2}

    return model, optimizer, loader, step


def test_history_has_every_step_and_every_epoch():
    model, optimizer, loader, step = make_run()
    history = fit(step, loader, epochs=3, progress=False)
    assert history.epochs_done == 3
    assert len(history.steps["loss"]) == len(history.steps["half"]) == 15
    assert len(history.epochs["loss"]) == 3
    assert history.epochs["loss"][0] == pytest.approx(sum(history.steps["loss"][:5]) / 5)
    assert history.epochs["loss"][-1] < history.epochs["loss"][0]


def test_callbacks_run_after_each_epoch_without_changing_the_training_stream():
    seen = []
    model, optimizer, loader, step = make_run()
    fit(step, loader, epochs=2, progress=False, callbacks=[lambda e, h: seen.append((e, h.epochs_done))])
    with_callbacks = model.weight.detach().clone()
    model, optimizer, loader, step = make_run()
    fit(step, loader, epochs=2, progress=False, callbacks=[lambda e, h: torch.randn(100)])
    assert seen == [(1, 1), (2, 2)]
    assert torch.equal(model.weight, with_callbacks), "a callback that draws noise must not change training"


def uninterrupted(epochs=3):
    model, optimizer, loader, step = make_run()
    history = fit(step, loader, epochs=epochs, progress=False)
    return model, history


@pytest.mark.parametrize("interrupt_at", [6, 9], ids=["after-epoch-1", "mid-epoch-2"])
def test_an_interrupted_run_resumes_to_the_same_result(tmp_path, capsys, interrupt_at):
    reference_model, reference_history = uninterrupted()
    checkpoint = tmp_path / "run.pt"

    model, optimizer, loader, step = make_run()
    state = {"model": model, "optimizer": optimizer}
    partial = fit(InterruptAt(step, interrupt_at), loader, epochs=3, state=state, checkpoint=checkpoint, progress=False)
    assert partial.epochs_done == 1 and partial.n_steps == interrupt_at - 1
    assert "Run the same fit() again to resume" in capsys.readouterr().out

    # A new session: fresh objects (and a different random state) resume from the file alone.
    model, optimizer, loader, step = make_run(seed=123)
    state = {"model": model, "optimizer": optimizer}
    history = fit(step, loader, epochs=3, state=state, checkpoint=checkpoint, progress=False)
    assert "Resuming from" in capsys.readouterr().out
    assert history.epochs_done == 3 and history.n_steps == reference_history.n_steps == 15
    assert history.steps["loss"] == pytest.approx(reference_history.steps["loss"], rel=1e-6)
    assert torch.allclose(model.weight, reference_model.weight, atol=1e-7)


def counting(step, calls):
    """The same wrapper each time it is made, as a notebook cell re-run makes its lambda anew."""
    return lambda batch: calls.append(1) or step(batch)


def test_a_finished_run_is_not_trained_again(tmp_path, capsys):
    model, optimizer, loader, step = make_run()
    state = {"model": model, "optimizer": optimizer}
    calls = []
    fit(counting(step, calls), loader, epochs=2, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    calls.clear()
    history = fit(counting(step, calls), loader, epochs=2, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert calls == [] and history.epochs_done == 2
    assert "all 2 epochs are done" in capsys.readouterr().out
    more = fit(counting(step, calls), loader, epochs=3, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert more.epochs_done == 3 and more.n_steps == 15 and len(calls) == 5


def changed_runs():
    """A finished run changed in one way each, as the notebooks' "Try this" prompts ask."""

    def other_lr(model, optimizer, step):
        return step, torch.optim.Adam(model.parameters(), lr=0.01)

    def sgd(model, optimizer, step):
        return step, torch.optim.SGD(model.parameters(), lr=0.05)

    def other_loss(model, optimizer, step):
        def l1_step(batch):
            xb, yb = batch
            loss = F.l1_loss(model(xb).squeeze(1), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return {"loss": loss, "half": loss.item() / 2}

        return l1_step, optimizer

    return {"learning rate": other_lr, "optimiser type": sgd, "step function": other_loss}


@pytest.mark.parametrize("change", list(changed_runs()))
def test_a_changed_run_starts_afresh_and_keeps_the_old_checkpoint(tmp_path, capsys, change):
    model, optimizer, loader, step = make_run()
    checkpoint = tmp_path / "c.pt"
    fit(step, loader, epochs=2, state={"model": model, "optimizer": optimizer}, checkpoint=checkpoint, progress=False)
    old_bytes = checkpoint.read_bytes()
    capsys.readouterr()

    model, optimizer, loader, step = make_run()
    step, optimizer = changed_runs()[change](model, optimizer, step)
    history = fit(step, loader, epochs=2, state={"model": model, "optimizer": optimizer}, checkpoint=checkpoint,
                  progress=False)
    said = capsys.readouterr().out.strip().splitlines()
    assert history.n_steps == 10, "the changed run trains all its epochs"
    assert len(said) == 1 and said[0].startswith("Starting afresh") and "c.1.old.pt" in said[0]
    assert (tmp_path / "c.1.old.pt").read_bytes() == old_bytes, "the old run is kept, byte for byte"
    assert load_checkpoint(checkpoint)["history"]["epochs_done"] == 2


def test_a_changed_learning_rate_is_named_and_an_unchanged_rerun_resumes(tmp_path, capsys):
    model, optimizer, loader, step = make_run()
    fit(step, loader, epochs=1, state={"model": model, "optimizer": optimizer}, checkpoint=tmp_path / "c.pt",
        progress=False)
    model, optimizer, loader, step = make_run()
    for group in optimizer.param_groups:
        group["lr"] = 0.001
    fit(step, loader, epochs=1, state={"model": model, "optimizer": optimizer}, checkpoint=tmp_path / "c.pt",
        progress=False)
    assert "optimizer: Adam (lr=0.05" in capsys.readouterr().out
    assert optimizer.param_groups[0]["lr"] == 0.001, "the new learning rate is used, not the saved one"
    model, optimizer, loader, step = make_run()
    for group in optimizer.param_groups:
        group["lr"] = 0.001
    fit(step, loader, epochs=2, state={"model": model, "optimizer": optimizer}, checkpoint=tmp_path / "c.pt",
        progress=False)
    assert "Resuming from" in capsys.readouterr().out and not (tmp_path / "c.2.old.pt").exists()


def weighted_step(model, optimizer, batch, weight=1.0):
    xb, yb = batch
    loss = weight * F.mse_loss(model(xb).squeeze(1), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {"loss": loss}


def test_a_setting_passed_on_from_a_dict_is_part_of_the_run(tmp_path, capsys):
    """As 06's train_pix2pix passes `**objective` (lam=10, ...) on to the package's step."""

    def train(weight):  # a notebook cell: fresh networks, and the settings in a dict
        model, optimizer, loader, _ = make_run()
        settings = {"weight": weight}
        fit(lambda batch: weighted_step(model, optimizer, batch, **settings), loader, epochs=1,
            state={"model": model, "optimizer": optimizer}, checkpoint=tmp_path / "c.pt", progress=False)
        return capsys.readouterr().out

    said = [train(weight) for weight in (1.0, 1.0, 3.0)]
    assert "all 1 epochs are done" in said[1], "the same settings resume"
    assert said[2].startswith("Starting afresh"), "a changed setting in the dict starts afresh"


@pytest.mark.parametrize("damage", ["garbage", "garbage-pickle", "truncated", "empty", "not-fit's"])
def test_a_damaged_checkpoint_names_the_file_and_the_fix(tmp_path, damage):
    model, optimizer, loader, step = make_run()
    checkpoint = tmp_path / "c.pt"
    fit(step, loader, epochs=1, state={"model": model}, checkpoint=checkpoint, progress=False)
    content = checkpoint.read_bytes()
    if damage == "garbage":
        checkpoint.write_bytes(b"this is not a checkpoint" * 10)
    elif damage == "garbage-pickle":  # bytes torch takes for an old-style pickle, then refuses
        checkpoint.write_bytes(b"garbage" * 20)
    elif damage == "truncated":
        checkpoint.write_bytes(content[: len(content) // 2])
    elif damage == "empty":
        checkpoint.write_bytes(b"")
    else:
        torch.save({"weights": torch.ones(2)}, checkpoint)
    before = checkpoint.read_bytes()
    with pytest.raises(CheckpointError, match=f"{checkpoint}.*Fix: move it away or delete it"):
        fit(step, loader, epochs=2, state={"model": model}, checkpoint=checkpoint, progress=False)
    assert checkpoint.read_bytes() == before, "the damaged file is left as it was, for the student to inspect"


def test_ctrl_c_without_a_checkpoint_returns_the_history(capsys):
    model, optimizer, loader, step = make_run()
    history = fit(InterruptAt(step, 4), loader, epochs=3, progress=False)
    assert history.n_steps == 3 and history.epochs_done == 0
    assert "returning the history so far" in capsys.readouterr().out


def test_a_nan_loss_stops_with_the_loss_name_and_step(tmp_path):
    model, optimizer, loader, step = make_run()
    calls = []

    def exploding(batch):
        calls.append(1)
        losses = step(batch)
        return {**losses, "half": float("nan")} if len(calls) == 7 else losses

    with pytest.raises(FloatingPointError, match=r"loss 'half' became nan at epoch 2, step 2.*Fix"):
        fit(exploding, loader, epochs=3, state={"model": model}, checkpoint=tmp_path / "c.pt", progress=False)
    assert load_checkpoint(tmp_path / "c.pt")["history"]["epochs_done"] == 1, "the last good epoch is kept"


def test_checkpoints_are_written_atomically_and_loaded_weights_only(tmp_path, capsys):
    path = tmp_path / "deep" / "c.pt"
    save_checkpoint(path, {"w": torch.ones(2), "epoch": 3})
    assert load_checkpoint(path)["epoch"] == 3 and not list(path.parent.glob("*.tmp"))

    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    torch.save({"evil": Payload()}, path)
    with pytest.raises(CheckpointError, match="weights_only=True refused it.*Fix: move it away") as refused:
        load_checkpoint(path)
    assert isinstance(refused.value.__cause__, pickle.UnpicklingError)
    assert "this must never run" not in capsys.readouterr().out


def test_checkpoint_and_state_must_match(tmp_path):
    model, optimizer, loader, step = make_run()
    with pytest.raises(ValueError, match="needs state="):
        fit(step, loader, epochs=1, checkpoint=tmp_path / "c.pt")
    fit(step, loader, epochs=1, state={"model": model}, checkpoint=tmp_path / "c.pt", progress=False)
    with pytest.raises(ValueError, match="Fix: pass the same state names"):
        fit(step, loader, epochs=2, state={"model": model, "optimizer": optimizer}, checkpoint=tmp_path / "c.pt")


def test_a_checkpoint_of_another_model_is_set_aside(tmp_path, capsys):
    model, optimizer, loader, step = make_run()
    fit(step, loader, epochs=1, state={"model": model}, checkpoint=tmp_path / "c.pt", progress=False)
    other = torch.nn.Linear(3, 2)
    fit(lambda batch: {"loss": other(batch[0]).sum()}, loader, epochs=1, state={"model": other},
        checkpoint=tmp_path / "c.pt", progress=False)
    out = capsys.readouterr().out
    assert "Starting afresh" in out and "model: Linear (weights" in out and (tmp_path / "c.1.old.pt").exists()


class Doubler(torch.nn.Module):
    """A stand-in generator whose output shows its weight, so frames differ from epoch to epoch."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, z):
        return z * self.scale


def test_fixed_noise_frames_survive_a_resume_and_a_rerun(tmp_path):
    from gancourse.train import FixedNoise

    model, optimizer, loader, step = make_run()
    generator = Doubler()
    g_optimizer = torch.optim.SGD(generator.parameters(), lr=0.1)

    def both(batch):
        g_loss = (generator(torch.ones(1)) - 3).pow(2).sum()
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        return step(batch)

    def run(epochs, z):
        frames = FixedNoise(generator, z)
        state = {"model": model, "optimizer": optimizer, "generator": generator, "frames": frames}
        fit(both, loader, epochs=epochs, state=state, checkpoint=tmp_path / "g.pt", callbacks=[frames], progress=False)
        return frames

    first = run(2, torch.full((2,), 1.0))
    assert len(first.frames) == 2 and not torch.equal(first.frames[0], first.frames[1])
    # a new session with other noise: the saved noise and pictures come back, and the third epoch is added
    resumed = run(3, torch.full((2,), 7.0))
    assert len(resumed.frames) == 3 and torch.equal(resumed.z, torch.ones(2))
    assert torch.equal(resumed.frames[0], first.frames[0])
    # re-running the finished fit() trains nothing and still has every picture
    again = run(3, torch.zeros(2))
    assert len(again.frames) == 3
    assert generator.training  # the callback puts the generator back in training mode
