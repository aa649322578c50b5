"""fit(): history, checkpoints written atomically and loaded safely, resume, Ctrl-C, NaN."""

import pickle

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from gancourse.train import fit, load_checkpoint, save_checkpoint


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


class InterruptAt:
    """Wraps a step and presses Ctrl-C before its n-th call."""

    def __init__(self, step, n):
        self.step, self.n, self.calls = step, n, 0

    def __call__(self, batch):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return self.step(batch)


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


def test_a_finished_run_is_not_trained_again(tmp_path, capsys):
    model, optimizer, loader, step = make_run()
    state = {"model": model, "optimizer": optimizer}
    fit(step, loader, epochs=2, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    calls = []
    history = fit(lambda b: calls.append(1) or step(b), loader, epochs=2, state=state,
                  checkpoint=tmp_path / "c.pt", progress=False)
    assert calls == [] and history.epochs_done == 2
    assert "all 2 epochs are done" in capsys.readouterr().out
    more = fit(step, loader, epochs=3, state=state, checkpoint=tmp_path / "c.pt", progress=False)
    assert more.epochs_done == 3 and more.n_steps == 15


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


def test_checkpoints_are_written_atomically_and_loaded_weights_only(tmp_path):
    path = tmp_path / "deep" / "c.pt"
    save_checkpoint(path, {"w": torch.ones(2), "epoch": 3})
    assert load_checkpoint(path)["epoch"] == 3 and not list(path.parent.glob("*.tmp"))

    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    torch.save({"evil": Payload()}, path)
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(path)


def test_checkpoint_and_state_must_match(tmp_path):
    model, optimizer, loader, step = make_run()
    with pytest.raises(ValueError, match="needs state="):
        fit(step, loader, epochs=1, checkpoint=tmp_path / "c.pt")
    fit(step, loader, epochs=1, state={"model": model}, checkpoint=tmp_path / "c.pt", progress=False)
    with pytest.raises(ValueError, match="Fix: pass the same state names"):
        fit(step, loader, epochs=2, state={"model": model, "optimizer": optimizer}, checkpoint=tmp_path / "c.pt")


def test_a_checkpoint_of_another_model_names_the_fix(tmp_path):
    model, optimizer, loader, step = make_run()
    fit(step, loader, epochs=1, state={"model": model}, checkpoint=tmp_path / "c.pt", progress=False)
    other = torch.nn.Linear(3, 2)
    expected = "(?s)does not fit state\\['model'\\].*size mismatch.*Fix: delete the checkpoint"
    with pytest.raises(ValueError, match=expected):
        fit(step, loader, epochs=2, state={"model": other}, checkpoint=tmp_path / "c.pt", progress=False)


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
