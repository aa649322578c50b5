"""Lecture 11's scoreboard: every family trains here through fit(), or loads its lecture's checkpoint."""

import pytest
import torch

from gancourse import config, scoreboard
from gancourse.models import count_parameters
from gancourse.train import fit


@pytest.fixture(scope="module")
def pictures():
    torch.manual_seed(0)
    grey = torch.rand(64, 1, 28, 28) * 2 - 1
    return grey, (grey > 0).float()


@pytest.mark.parametrize("family", scoreboard.FAMILIES, ids=[f.name for f in scoreboard.FAMILIES])
def test_every_family_trains_briefly_and_draws_digits(family, pictures, monkeypatch):
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    grey, binary = pictures
    entry = scoreboard.prepare(family, grey, binary, 2, "cpu", batch_size=8)
    assert entry.source == "trained here" and entry.train_steps == 2 and entry.train_seconds > 0
    images = entry.sample(3, torch.Generator().manual_seed(0))
    assert images.shape == (3, 1, 28, 28) and float(images.min()) >= -1 and float(images.max()) <= 1
    value, kind = family.log_likelihood(entry.networks, binary[:4], torch.Generator().manual_seed(0))
    assert (value is None) == (family.name not in ("VAE", "PixelCNN"))
    if value is not None:
        assert value < 0 and kind  # nats per binary digit: log-probabilities of a whole picture


def test_a_lecture_s_checkpoint_is_loaded_instead_of_training(pictures, tmp_path, monkeypatch):
    """A run saved the way lecture 1 saves it (fit() with state {"model", "optimizer"}) is found and loaded."""
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    monkeypatch.setenv("GANCOURSE_CHECKPOINT_DIR", str(tmp_path))
    family = scoreboard.AutoencoderCodes()
    lecture_model = family.networks(full=True)["model"]
    optimizer = torch.optim.Adam(lecture_model.parameters(), 1e-3)
    grey, binary = pictures

    def step(batch):
        loss = (lecture_model(batch[0]) - batch[0]).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {"loss": loss}

    fit(step, [(grey[:8],)] * 3, 1, state={"model": lecture_model, "optimizer": optimizer},
        checkpoint=config.checkpoint_path(family.checkpoint), progress=False)
    entry = scoreboard.prepare(family, grey, binary, 5, "cpu")
    assert entry.source == "lecture 1's checkpoint" and entry.train_steps == 3 and entry.train_seconds is None
    loaded = entry.networks["model"]
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), lecture_model.state_dict().values(),
                                                 strict=True))
    # a checkpoint of another shape is refused with a line, and the family trains here instead
    torch.save({"state": {"model": {"nonsense": torch.zeros(1)}}, "history": {"steps": {}}},
               config.checkpoint_path(family.checkpoint))
    assert scoreboard.prepare(family, grey, binary, 2, "cpu", batch_size=8).source == "trained here"


def test_the_families_are_their_lectures_networks():
    sizes = {f.name: sum(count_parameters(n) for k, n in f.networks(full=True).items() if k == f.net)
             for f in scoreboard.FAMILIES}
    assert sizes["MLP GAN"] == sizes["WGAN-GP"] == 1_486_352  # lecture 3's generator, as lecture 8 trains it
    assert sizes["SAGAN"] == 764_881 and sizes["PixelCNN"] == count_parameters(scoreboard.PixelCNN(hidden=32))
    assert sizes["autoencoder, random codes"] == 50_161


def test_a_gan_saved_under_the_lecture_s_own_state_names_is_found(pictures, tmp_path, monkeypatch):
    """Lecture 3 saves its generator as "generator"; the family's networks call it G."""
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    monkeypatch.setenv("GANCOURSE_CHECKPOINT_DIR", str(tmp_path))
    family = scoreboard.MLPGAN()
    lecture = family.networks(full=True)
    fit(lambda batch: {"loss": 0.0}, [(pictures[0],)] * 2, 1,
        state={"generator": lecture["G"], "discriminator": lecture["D"]},
        checkpoint=config.checkpoint_path(family.checkpoint), progress=False)
    entry = scoreboard.prepare(family, *pictures, 5, "cpu")
    assert entry.source == "lecture 3's checkpoint" and entry.train_steps == 2
    z = torch.randn(2, 100)
    assert torch.equal(entry.networks["G"].eval()(z), lecture["G"].eval()(z))
