"""The pix2pix datasets: archive handling, the facades check, the jitter's pixels, the stand-in."""

import io
import tarfile
from pathlib import Path

import pytest
import torch
from helpers import SHARED_DATA, pair_jpeg, write_pairs
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as TF

from gancourse.data import cmp, facades, held_out_split, pix2pix_dataset
from gancourse.data import pix2pix as pix2pix_module
from gancourse.data.download import DataUnavailableError
from gancourse.data.paired import decode_pair, jitter

SMALL = {"train": 4, "val": 2, "test": 2}


def _archive(path: Path, counts=SMALL, extra=()):
    with tarfile.open(path, "w:gz") as tar:
        for split, n in counts.items():
            for i in range(1, n + 1):
                data = pair_jpeg(i + 100 * len(split))
                member = tarfile.TarInfo(f"facades/{split}/{i}.jpg")
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
        for name, data in extra:
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return path


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(pix2pix_module.SETS, "facades", pix2pix_module.Pix2PixSet(
        SMALL, (512, 256), "BtoA", ("photo", "label map")))
    return tmp_path


def test_an_archive_in_the_data_folder_is_verified_unpacked_and_read_both_ways(data_dir):
    _archive(data_dir / "facades.tar.gz")
    train = facades("train", image_size=64)
    assert len(train) == 4 and train.pairs.shape == (4, 2, 3, 72, 72)  # loaded at 286/256 of the size
    assert sorted(p.name for p in (data_dir / "facades").iterdir()) == ["cache-train-72px.pt", "test", "train", "val"]
    labels, photo = train[0]
    assert labels.shape == (3, 64, 64)
    assert cmp.label_share(((labels + 1) * 127.5).round().to(torch.uint8)) > 0.8  # BtoA: the input is the label map
    photo_first = facades("val", direction="AtoB", image_size=64)
    assert len(photo_first) == 2 and photo_first.pairs.shape[-1] == 64  # val: no jitter, loaded at the size
    assert torch.equal(photo_first[0][0], facades("val", image_size=64)[0][1])


def test_an_unpacked_folder_is_used_as_it_is(data_dir):
    folder = data_dir / "facades" / "val"
    folder.mkdir(parents=True)
    for i in range(3):  # another count than the archive's: a local copy is taken as it is
        (folder / f"{i + 1}.jpg").write_bytes(pair_jpeg(i))
    assert len(facades("val", image_size=64)) == 3


def test_a_truncated_archive_names_the_fix_and_writes_nothing(data_dir):
    whole = _archive(data_dir / "whole.tar.gz").read_bytes()
    (data_dir / "facades.tar.gz").write_bytes(whole[: len(whole) // 2])
    (data_dir / "whole.tar.gz").unlink()
    with pytest.raises(DataUnavailableError, match="damaged or cut short.*Fix: delete"):
        facades("train", image_size=64)
    assert sorted(p.name for p in data_dir.iterdir()) == ["facades.tar.gz"]


def test_wrong_counts_are_refused(data_dir):
    _archive(data_dir / "facades.tar.gz", counts={"train": 3, "val": 2, "test": 2})
    with pytest.raises(DataUnavailableError, match="found train 3"):
        facades("train", image_size=64)


def test_a_member_that_leaves_the_folder_is_never_written(data_dir):
    _archive(data_dir / "facades.tar.gz", extra=[("facades/../../escaped.txt", b"boo")])
    with pytest.raises(DataUnavailableError, match="outside"):
        facades("train", image_size=64)
    assert not (data_dir.parent / "escaped.txt").exists()
    assert not (data_dir / "facades").exists() and not list(data_dir.glob(".facades*"))


def test_a_download_is_verified_before_it_counts_and_a_cut_one_never_does(data_dir, mirror, monkeypatch):
    folder, url = mirror
    whole = _archive(folder / "facades.tar.gz").read_bytes()
    (folder / "cut").mkdir()
    (folder / "cut" / "facades.tar.gz").write_bytes(whole[: len(whole) // 2])
    # The first mirror serves a cut archive: it fails its check and the next mirror is tried.
    monkeypatch.setattr(pix2pix_module, "URLS", (url + "cut/{name}.tar.gz", url + "{name}.tar.gz"))
    train = facades("train", image_size=64)
    assert len(train) == 4 and (data_dir / "facades.tar.gz").read_bytes() == whole
    assert not list(data_dir.glob("*.part")) and (data_dir / "facades" / "test").is_dir()


def test_a_download_that_fails_offers_the_fixes(data_dir, monkeypatch):
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    monkeypatch.setattr(pix2pix_module, "URLS", ("http://127.0.0.1:9/{name}.tar.gz",))
    with pytest.raises(DataUnavailableError, match="Fix: download .*facades.tar.gz by hand.*GANCOURSE_OFFLINE"):
        facades("train", image_size=64)
    assert not list(data_dir.iterdir())


def test_offline_the_stand_in_is_announced_and_has_the_layout(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    val = facades("val", image_size=64)
    assert len(val) == 2 and "stand-in" in val.source and "not photographs" in capsys.readouterr().err
    labels, photo = val[0]
    assert cmp.label_share(((labels + 1) * 127.5).round().to(torch.uint8)) == 1.0
    assert cmp.label_share(((photo + 1) * 127.5).round().to(torch.uint8)) < 0.2
    with pytest.raises(ValueError, match="splits"):
        facades("valid")
    with pytest.raises(ValueError, match="Choose one of"):
        pix2pix_dataset("horses")


def test_the_jitter_equals_torchvisions_resize_crop_and_flip(tmp_path):
    path = tmp_path / "1.jpg"
    path.write_bytes(pair_jpeg(0))
    pairs = decode_pair(path, 286)[None]
    tops, lefts, flips = torch.tensor([17]), torch.tensor([29]), torch.tensor([True])
    ours = jitter(pairs, torch.tensor([0]), 256, tops, lefts, flips)[0]
    with Image.open(path) as picture:
        picture = picture.convert("RGB")
        for half, box in enumerate([(0, 0, 256, 256), (256, 0, 512, 256)]):
            reference = TF.resize(picture.crop(box), [286, 286], InterpolationMode.BICUBIC)
            reference = TF.hflip(TF.crop(reference, 17, 29, 256, 256))
            assert torch.equal(ours[half], TF.pil_to_tensor(reference))
    unflipped = jitter(pairs, torch.tensor([0]), 256, tops, lefts, torch.tensor([False]))[0]
    assert torch.equal(unflipped, pairs[0, :, :, 17:273, 29:285])


def test_batches_are_jittered_per_sample_and_replayable(data_dir):
    _archive(data_dir / "facades.tar.gz")
    train = facades("train", image_size=64)
    torch.manual_seed(0)
    first = [torch.cat(b) for b in train.batches(2)]
    torch.manual_seed(0)
    again = [torch.cat(b) for b in train.batches(2)]
    assert len(first) == 2 and all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    crops = {tuple(b[1][0].flatten().tolist()) for b in [next(iter(train.batches(4))) for _ in range(5)]}  # photos
    assert len(crops) > 1


def test_a_local_copy_without_val_is_never_mixed_with_drawn_pictures(data_dir, capsys):
    write_pairs(data_dir / "facades" / "train", 4)
    write_pairs(data_dir / "facades" / "test", 2, seed=50)
    with pytest.raises(DataUnavailableError, match=r"train, test but no val/.*held_out_split\('facades'\) picks it"):
        facades("val", image_size=64)
    assert held_out_split("facades") == "test"
    assert "has no val/: evaluating on its test/ split (2 pairs)" in capsys.readouterr().err
    held_out, train = facades(held_out_split(), image_size=64), facades("train", image_size=64)
    assert (len(train), len(held_out)) == (4, 2)
    assert held_out.source == "pix2pix facades (test, label map -> photo)" and "drawn" not in train.source


def test_the_held_out_split_is_val_where_there_is_one(data_dir):
    assert held_out_split("facades") == "val"  # nothing local: the download or the stand-in has val/
    write_pairs(data_dir / "facades" / "train", 2)
    write_pairs(data_dir / "facades" / "val", 2, seed=50)
    assert held_out_split("facades") == "val"


def test_single_pictures_where_pairs_belong_are_refused_with_the_fix(data_dir):
    folder = data_dir / "facades" / "train"
    folder.mkdir(parents=True)
    for i in range(4):  # the CycleGAN release's layout: one 256x256 picture a file
        Image.new("RGB", (256, 256), (30, 60, 200)).save(folder / f"{i + 1}.jpg")
    with pytest.raises(DataUnavailableError, match=r"256x256.*twice as wide as high.*glue.*cyclegan\('facades'\)"):
        facades("train", image_size=64)
    assert not list((data_dir / "facades").glob("cache-*")), "nothing is cached from a refused folder"


def test_pairs_of_something_else_in_a_folder_called_facades_are_refused(data_dir):
    folder = data_dir / "facades" / "train"
    folder.mkdir(parents=True)
    for i in range(3):  # side by side, but the right half is a photo, not a CMP label map
        Image.new("RGB", (512, 256), (120, 110, 100)).save(folder / f"{i + 1}.jpg")
    with pytest.raises(DataUnavailableError, match="does not hold the CMP facades.*Fix: replace"):
        facades("train", image_size=64)


@pytest.mark.skipif(not (SHARED_DATA / "facades").is_dir(), reason="../shared/data is not beside the checkout")
def test_the_shared_real_facades_are_pairs_with_the_label_map_as_input(monkeypatch, tmp_path):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(SHARED_DATA))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the decoded pairs' cache; never inside ../shared
    train, held_out = facades("train", image_size=64), facades(held_out_split(), image_size=64)
    assert (len(train), len(held_out)) == (400, 106) and held_out.source.startswith("pix2pix facades (test")
    labels, photo = held_out[0]
    as_uint8 = lambda x: ((x + 1) * 127.5).round().to(torch.uint8)  # noqa: E731
    assert cmp.label_share(as_uint8(labels)) > pix2pix_module.LABEL_SHARE > cmp.label_share(as_uint8(photo))
    assert list(tmp_path.rglob("cache-*.pt")), "the cache went to the user cache, not into the shared copy"
