"""The CycleGAN datasets: the zip's layout and checks, unpaired batches, the stand-in, cats <-> dogs."""

import io
import zipfile
from pathlib import Path

import pytest
import torch
from helpers import SHARED_DATA, write_pairs
from PIL import Image

from gancourse.data import cats_and_dogs, cyclegan, facades
from gancourse.data import cyclegan_sets as cyclegan_module
from gancourse.data.download import DataUnavailableError

SMALL = {"trainA": 3, "trainB": 5, "testA": 2, "testB": 2}


def _jpeg(seed: int, size=(40, 30)) -> bytes:
    picture = (torch.rand(size[1], size[0], 3, generator=torch.Generator().manual_seed(seed)) * 255).byte()
    buffer = io.BytesIO()
    Image.fromarray(picture.numpy()).save(buffer, format="JPEG")
    return buffer.getvalue()


def _zip(path: Path, counts=SMALL, name="apple2orange", extra=()) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for folder, n in counts.items():
            for i in range(n):
                zipped.writestr(f"{name}/{folder}/n{i:04d}.jpg", _jpeg(i + 10 * len(folder)))
        zipped.writestr(f"__MACOSX/{name}/._trainA", b"resource fork")  # as zips made on a Mac carry
        for member, data in extra:
            zipped.writestr(member, data)
    return path


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GANCOURSE_OFFLINE", raising=False)
    return tmp_path


def test_a_zip_in_the_data_folder_is_verified_unpacked_and_read_as_two_domains(data_dir):
    _zip(data_dir / "apple2orange.zip")
    train = cyclegan("apple2orange", image_size=16)
    assert (len(train.domain_a), len(train.domain_b)) == (3, 5)
    assert train.domain_a.pictures.shape == (3, 3, 18, 18)  # loaded at 286/256 of the size, for the jitter
    assert sorted(p.name for p in (data_dir / "apple2orange").iterdir()) == [
        "cache-trainA-18px.pt", "cache-trainB-18px.pt", "testA", "testB", "trainA", "trainB"]
    assert not (data_dir / "__MACOSX").exists()
    test = cyclegan("apple2orange", "test", image_size=16)
    assert len(test.domain_a) == len(test.domain_b) == 2 and test.domain_a.tensors().shape == (2, 3, 16, 16)
    assert "apple <-> orange" in test.source


def test_an_unpacked_folder_is_used_as_it_is(data_dir):
    for folder in ("trainA", "trainB", "testA", "testB"):
        (data_dir / "maps" / folder).mkdir(parents=True)
        (data_dir / "maps" / folder / "1.jpg").write_bytes(_jpeg(1))
    assert len(cyclegan("maps", image_size=16).domain_b) == 1


@pytest.mark.parametrize("damage, message", [
    (lambda whole: whole[: len(whole) // 2], "damaged or cut short"),
    (lambda whole: whole.replace(b"n0001.jpg", b"n0001.jpx", 1), "does not have the layout|damaged"),
], ids=["truncated", "renamed"])
def test_a_damaged_zip_names_the_fix_and_writes_nothing(data_dir, damage, message):
    whole = _zip(data_dir / "whole.zip").read_bytes()
    (data_dir / "whole.zip").unlink()
    (data_dir / "apple2orange.zip").write_bytes(damage(whole))
    with pytest.raises(DataUnavailableError, match=f"({message}).*Fix: delete .*apple2orange.zip"):
        cyclegan("apple2orange", image_size=16)
    assert sorted(p.name for p in data_dir.iterdir()) == ["apple2orange.zip"]


def test_a_zip_missing_a_folder_is_refused(data_dir):
    _zip(data_dir / "apple2orange.zip", counts={"trainA": 2, "trainB": 2, "testA": 1, "testB": 0})
    with pytest.raises(DataUnavailableError, match="testB 0"):
        cyclegan("apple2orange", image_size=16)


def test_published_counts_size_and_checksum_are_checked(data_dir, monkeypatch):
    whole = _zip(data_dir / "horse2zebra.zip", name="horse2zebra")
    with pytest.raises(DataUnavailableError, match="116,867,962"):  # the real zip's size, pinned
        cyclegan("horse2zebra", image_size=16)
    monkeypatch.setitem(cyclegan_module.SETS, "horse2zebra", cyclegan_module.CycleGANSet(
        ("horse", "zebra"), {"trainA": 3, "trainB": 5, "testA": 2, "testB": 1}, whole.stat().st_size))
    with pytest.raises(DataUnavailableError, match=r"found trainA 3, trainB 5, testA 2, testB 2 \(expected"):
        cyclegan("horse2zebra", image_size=16)
    monkeypatch.setitem(cyclegan_module.SETS, "horse2zebra", cyclegan_module.CycleGANSet(
        ("horse", "zebra"), SMALL, whole.stat().st_size, "0" * 64))
    with pytest.raises(DataUnavailableError, match="not its SHA-256"):
        cyclegan("horse2zebra", image_size=16)


@pytest.mark.parametrize("member", ["../evil.jpg", "/tmp/evil.jpg", "apple2orange/trainA/../../evil.jpg"])
def test_a_member_that_leaves_the_folder_is_never_written(data_dir, member):
    _zip(data_dir / "apple2orange.zip", extra=[(member, _jpeg(0))])
    with pytest.raises(DataUnavailableError, match="outside its folder"):
        cyclegan("apple2orange", image_size=16)
    assert not (data_dir.parent / "evil.jpg").exists() and not Path("/tmp/evil.jpg").exists()
    assert sorted(p.name for p in data_dir.iterdir()) == ["apple2orange.zip"]


def test_a_download_is_verified_and_a_cut_one_never_counts(data_dir, mirror, monkeypatch):
    folder, url = mirror
    whole = _zip(folder / "apple2orange.zip").read_bytes()
    (folder / "cut").mkdir()
    (folder / "cut" / "apple2orange.zip").write_bytes(whole[: len(whole) * 2 // 3])
    monkeypatch.setattr(cyclegan_module, "URLS", (url + "cut/{name}.zip", url + "{name}.zip"))
    train = cyclegan("apple2orange", image_size=16)
    assert len(train.domain_b) == 5 and (data_dir / "apple2orange.zip").read_bytes() == whole
    assert not list(data_dir.glob("*.part"))


def test_a_download_that_fails_offers_the_fixes(data_dir, monkeypatch):
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    monkeypatch.setattr(cyclegan_module, "URLS", ("http://127.0.0.1:9/{name}.zip",))
    with pytest.raises(DataUnavailableError, match="Fix: download .*horse2zebra.zip by hand.*GANCOURSE_OFFLINE"):
        cyclegan("horse2zebra", image_size=16)


def test_offline_the_stand_in_is_announced_and_adds_stripes(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    train = cyclegan("horse2zebra", image_size=32)
    assert "stand-in" in train.source and "not photographs" in capsys.readouterr().err
    plain, striped = train.domain_a.tensors(), train.domain_b.tensors()
    # brown shapes have no grey pixels; striped ones are black and white inside the shape
    assert plain.shape == striped.shape == (400, 3, 32, 32)
    grey = lambda x: (x.max(1).values - x.min(1).values < 0.1) & (x.abs().mean(1) > 0.8)  # noqa: E731
    assert grey(striped).float().mean() > 3 * grey(plain).float().mean()
    with pytest.raises(ValueError, match="horse2zebra"):
        cyclegan("horses", image_size=32)


def test_unpaired_batches_have_their_own_lengths_crops_and_flips(data_dir):
    _zip(data_dir / "apple2orange.zip")
    train = cyclegan("apple2orange", image_size=16)
    batches = train.batches(batch_size=2)
    assert len(batches) == 5 // 2  # the larger domain sets the epoch
    torch.manual_seed(0)
    first = [(x.clone(), y.clone()) for x, y in batches]
    torch.manual_seed(0)
    again = list(batches)
    assert all(torch.equal(a, c) and torch.equal(b, d) for (a, b), (c, d) in zip(first, again, strict=True))
    x, y = first[0]
    assert x.shape == y.shape == (2, 3, 16, 16) and x.min() >= -1 and x.max() <= 1
    centre = train.batches(batch_size=3, jitter=False)
    x, _ = next(iter(centre))
    stored = {tuple(train.domain_a[i].flatten()[:8].tolist()) for i in range(3)}
    assert all(tuple(picture.flatten()[:8].tolist()) in stored for picture in x)  # centre crops of the stored


@pytest.mark.skipif(not (SHARED_DATA / "dogs-vs-cats").is_dir(), reason="../shared/data is not beside the checkout")
def test_the_shared_cats_and_dogs_are_two_domains_with_a_held_out_test(monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(SHARED_DATA))
    train, test = cats_and_dogs("train", image_size=32), cats_and_dogs("test", image_size=32)
    assert (len(train.domain_a), len(train.domain_b), len(test.domain_a), len(test.domain_b)) == (900, 900, 100, 100)
    assert "Kaggle Dogs vs. Cats" in train.source
    # the test pictures are not among the training ones
    seen = {bytes(p.flatten()[:64].tolist()) for p in cats_and_dogs("train", 32, load_size=32).domain_a.pictures}
    assert not any(bytes(p.flatten()[:64].tolist()) in seen for p in test.domain_a.pictures)


def test_the_domain_classifier_tells_the_stand_ins_domains_apart_and_leaves_the_random_stream(data_dir, monkeypatch):
    from gancourse import metrics

    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    train = cyclegan("horse2zebra", image_size=16, limit=200)
    test = cyclegan("horse2zebra", "test", image_size=16, limit=64)
    torch.manual_seed(0)
    before = torch.get_rng_state()
    judge = metrics.domain_classifier(train)
    assert torch.equal(torch.get_rng_state(), before)
    assert judge.share_taken_for_y(test.domain_a.tensors()) < 0.1
    assert judge.share_taken_for_y(test.domain_b.tensors()) > 0.9
    # the mean probability agrees with the shares, and lies between them for a half-and-half mixture
    p_x, p_y = judge.probability_of_y(test.domain_a.tensors()), judge.probability_of_y(test.domain_b.tensors())
    assert p_x < 0.3 and p_y > 0.7
    mixture = torch.cat([test.domain_a.tensors()[:32], test.domain_b.tensors()[:32]])
    assert judge.probability_of_y(mixture) == pytest.approx((judge.probability_of_y(mixture[:32])
                                                             + judge.probability_of_y(mixture[32:])) / 2, abs=1e-5)
    assert len(train.domain_a) == 200 and len(test.domain_b) == 64


def test_facades_from_a_local_pix2pix_copy_are_its_halves_as_two_domains(data_dir, capsys):
    write_pairs(data_dir / "facades" / "train", 4)
    write_pairs(data_dir / "facades" / "test", 2, seed=50)
    paired = facades("test", direction="AtoB", image_size=32)
    train, test = cyclegan("facades", image_size=32), cyclegan("facades", "test", image_size=32)
    announced = capsys.readouterr().err
    assert "serving the halves of pix2pix's pairs (pix2pix facades (train, photo -> label map)) as two" in announced
    assert (len(train.domain_a), len(train.domain_b), len(test.domain_a)) == (4, 4, 2)
    assert (train.domain_a.name, train.domain_b.name) == ("photo", "label map") and "pix2pix" in test.source
    photos, label_maps = paired.tensors()
    # the same pictures, in the pairs' order: a test translation can be scored against its true partner
    assert torch.equal(test.domain_a.tensors(), photos) and torch.equal(test.domain_b.tensors(), label_maps)
    assert not (data_dir / "facades" / "trainA").exists(), "no second copy in CycleGAN's layout"


def test_offline_facades_for_cyclegan_are_the_drawn_facades_halves(data_dir, monkeypatch):
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    test = cyclegan("facades", "test", image_size=32)
    photos, label_maps = facades("test", direction="AtoB", image_size=32).tensors()
    assert "drawn facades" in test.source and torch.equal(test.domain_b.tensors(), label_maps)


def test_a_cyclegan_layout_of_facades_comes_before_a_pix2pix_copy(data_dir):
    write_pairs(data_dir / "facades" / "train", 4)
    for folder, n in {"trainA": 3, "trainB": 3, "testA": 2, "testB": 2}.items():
        (data_dir / "facades" / folder).mkdir(parents=True)
        for i in range(n):
            (data_dir / "facades" / folder / f"{i}.jpg").write_bytes(_jpeg(i, size=(32, 32)))
    assert len(cyclegan("facades", image_size=32).domain_a) == 3


@pytest.mark.skipif(not (SHARED_DATA / "facades").is_dir(), reason="../shared/data is not beside the checkout")
def test_the_shared_facades_are_photos_and_label_maps_for_cyclegan(monkeypatch, tmp_path):
    from gancourse.data import cmp
    from gancourse.data.pix2pix import LABEL_SHARE

    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(SHARED_DATA))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the decoded pairs' cache; never inside ../shared
    test = cyclegan("facades", "test", image_size=64)
    assert (len(test.domain_a), len(test.domain_b)) == (106, 106)
    as_uint8 = lambda x: ((x + 1) * 127.5).round().to(torch.uint8)  # noqa: E731
    assert cmp.label_share(as_uint8(test.domain_b[0])) > LABEL_SHARE > cmp.label_share(as_uint8(test.domain_a[0]))
