"""Kaggle's Dogs vs. Cats: the archive layouts, the Kaggle failures and their fixes, the uint8 cache."""

import io
import sys
import zipfile

import pytest
import torch
from helpers import SHARED_DATA
from PIL import Image

from gancourse.data import DataUnavailableError, KaggleCredentialsError, KaggleRulesError, dogs_vs_cats, kaggle
from gancourse.data import cache as cache_module

module = sys.modules["gancourse.data.dogs_vs_cats"]  # the package exports the function under the same name


def jpeg(colour, size=(50, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def train_zip(n=3) -> bytes:
    """train.zip as Kaggle ships it: a flat train/ of cat.N.jpg and dog.N.jpg (cats red, dogs blue)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(n):
            archive.writestr(f"train/cat.{i}.jpg", jpeg((220, 20, 20)))
            archive.writestr(f"train/dog.{i}.jpg", jpeg((20, 20, 220)))
        archive.writestr("train/../../escape.jpg", jpeg((0, 0, 0)))  # never written outside
    return out.getvalue()


def competition_zip(n=3) -> bytes:
    """dogs-vs-cats.zip as the Kaggle API downloads it: train.zip, test1.zip and the submission sample inside."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train.zip", train_zip(n))
        archive.writestr("test1.zip", b"PK\x05\x06" + bytes(18))  # an empty zip
        archive.writestr("sampleSubmission.csv", "id,label\n1,0\n")
    return out.getvalue()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    monkeypatch.setattr(sys.modules["gancourse.data.download"], "_announced", set())
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "no-kaggle-config"))
    monkeypatch.setattr(kaggle, "_colab_secrets", lambda: False)
    return tmp_path


def check_pets(dataset, n):
    assert dataset.data.shape == (2 * n, 3, 64, 64) and dataset.data.dtype == torch.uint8
    assert dataset.targets.tolist() == [0] * n + [1] * n
    cats, dogs = dataset.data[:n].float(), dataset.data[n:].float()
    assert cats[:, 0].mean() > 150 and cats[:, 2].mean() < 80  # red cats
    assert dogs[:, 2].mean() > 150 and dogs[:, 0].mean() < 80  # blue dogs
    assert dataset.source.startswith("Kaggle Dogs vs. Cats")


@pytest.mark.parametrize("name, content, where", [
    ("dogs-vs-cats.zip", competition_zip, "dogs-vs-cats"), ("train.zip", train_zip, "dogs-vs-cats"),
    ("dogs-vs-cats.zip", competition_zip, "."),
])
def test_an_archive_downloaded_by_hand_is_unpacked_safely_and_read(data_dir, name, content, where):
    (data_dir / where).mkdir(exist_ok=True)
    (data_dir / where / name).write_bytes(content())
    dataset = dogs_vs_cats("both")
    check_pets(dataset, 3)
    unpacked = sorted(p.name for p in (data_dir / "dogs-vs-cats" / "train").iterdir())
    assert unpacked == [f"{c}.{i}.jpg" for c in ("cat", "dog") for i in range(3)]
    assert not (data_dir / "escape.jpg").exists() and not (data_dir.parent / "escape.jpg").exists()
    assert not list((data_dir / "dogs-vs-cats").glob(".train.*"))


def test_which_chooses_the_class_and_labels_come_from_file_names(data_dir):
    (data_dir / "train.zip").write_bytes(train_zip(4))
    dogs = dogs_vs_cats("dogs")
    assert len(dogs) == 4 and dogs.targets.tolist() == [1] * 4 and dogs.classes == ["cat", "dog"]
    assert len(dogs_vs_cats("cats", limit=2)) == 2
    with pytest.raises(ValueError, match="'cats', 'dogs' or 'both'"):
        dogs_vs_cats("horses")


def test_a_damaged_archive_is_an_error_and_leaves_no_half_unpacked_folder(data_dir):
    (data_dir / "train.zip").write_bytes(train_zip()[:300])
    with pytest.raises(DataUnavailableError, match="damaged or incomplete.*delete it"):
        dogs_vs_cats()
    assert not (data_dir / "dogs-vs-cats" / "train").exists()
    assert not list((data_dir / "dogs-vs-cats").glob(".train.*"))


def test_the_cache_is_reused_and_rebuilt_when_the_size_or_the_source_changes(data_dir, monkeypatch):
    (data_dir / "train.zip").write_bytes(train_zip(2))
    decoded = []
    real_decode = cache_module.decode
    monkeypatch.setattr(cache_module, "decode", lambda path, size: decoded.append(size) or real_decode(path, size))
    assert dogs_vs_cats().data.shape[-1] == 64 and len(decoded) == 4
    dogs_vs_cats()
    assert len(decoded) == 4  # read from the cache
    assert dogs_vs_cats(image_size=32).data.shape[-1] == 32 and decoded[4:] == [32] * 4
    # a new picture in the source folder: the 64-pixel cache no longer matches and is rebuilt
    (data_dir / "dogs-vs-cats" / "train" / "dog.2.jpg").write_bytes(jpeg((20, 20, 220)))
    assert len(dogs_vs_cats()) == 5 and decoded[8:] == [64] * 5


def test_a_cache_from_another_source_is_not_served(data_dir, monkeypatch, tmp_path):
    files = []
    for i, colour in enumerate([(255, 0, 0), (0, 255, 0)]):
        path = tmp_path / f"cat.{i}.jpg"
        path.write_bytes(jpeg(colour))
        files.append(path)
    target = tmp_path / "cache.pt"
    first = cache_module.cached_images(files, 16, target, progress=False)
    files[1].write_bytes(jpeg((0, 0, 255), size=(60, 40)))  # same name, other picture and size in bytes
    second = cache_module.cached_images(files, 16, target, progress=False)
    assert not torch.equal(first, second) and second[1, 2].float().mean() > 150


def test_missing_credentials_say_where_kaggle_json_goes(data_dir):
    with pytest.raises(KaggleCredentialsError) as error:
        dogs_vs_cats()
    message = str(error.value)
    assert "kaggle.com/settings" in message and "kaggle.json" in message
    assert "KAGGLE_USERNAME" in message and "Colab" in message
    assert "dogs-vs-cats.zip" in message and "GANCOURSE_OFFLINE=1" in message


def test_missing_credentials_never_import_kaggle(data_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "kaggle", None)  # an import would raise ImportError
    with pytest.raises(KaggleCredentialsError):
        kaggle.credentials()


class FakeResponse:
    def __init__(self, status):
        self.status_code = status


class FakeHTTPError(Exception):
    def __init__(self, status):
        super().__init__(f"{status} Client Error")
        self.response = FakeResponse(status)


class FakeApi:
    def __init__(self, behaviour):
        self.behaviour = behaviour

    def competition_download_files(self, competition, path, quiet):
        if isinstance(self.behaviour, Exception):
            raise self.behaviour
        (path_ := __import__("pathlib").Path(path)).mkdir(parents=True, exist_ok=True)
        (path_ / f"{competition}.zip").write_bytes(self.behaviour)


@pytest.fixture
def credentials(data_dir, monkeypatch):
    monkeypatch.setenv("KAGGLE_USERNAME", "student")
    monkeypatch.setenv("KAGGLE_KEY", "0123")


def test_rules_not_accepted_403_names_the_rules_page(credentials, monkeypatch, data_dir):
    monkeypatch.setattr(kaggle, "_api", lambda: FakeApi(FakeHTTPError(403)))
    with pytest.raises(KaggleRulesError, match="kaggle.com/competitions/dogs-vs-cats/rules.*Accept"):
        dogs_vs_cats()
    assert not any((data_dir / "dogs-vs-cats").glob("*.zip"))


def test_a_refused_token_401_says_to_make_a_new_one(credentials, monkeypatch):
    monkeypatch.setattr(kaggle, "_api", lambda: FakeApi(FakeHTTPError(401)))
    with pytest.raises(KaggleCredentialsError, match="new one"):
        dogs_vs_cats()


def test_a_successful_kaggle_download_is_verified_and_unpacked(credentials, monkeypatch, data_dir):
    monkeypatch.setattr(kaggle, "_api", lambda: FakeApi(competition_zip(2)))
    check_pets(dogs_vs_cats(), 2)
    assert (data_dir / "dogs-vs-cats" / "dogs-vs-cats.zip").is_file()
    assert not (data_dir / "dogs-vs-cats" / ".kaggle-download").exists()


def test_a_truncated_kaggle_download_never_counts(credentials, monkeypatch, data_dir):
    monkeypatch.setattr(kaggle, "_api", lambda: FakeApi(competition_zip(2)[:-100]))
    with pytest.raises(DataUnavailableError, match="damaged"):
        dogs_vs_cats()
    assert not any((data_dir / "dogs-vs-cats").glob("*.zip"))


def test_kaggle_json_is_found_and_checked(data_dir):
    config_dir = data_dir / "no-kaggle-config"
    config_dir.mkdir()
    (config_dir / "kaggle.json").write_text("{not json")
    with pytest.raises(KaggleCredentialsError, match="not valid JSON"):
        kaggle.credentials()
    (config_dir / "kaggle.json").write_text('{"username": "student", "key": "0123"}')
    assert kaggle.credentials().endswith("kaggle.json")


def test_quick_mode_without_credentials_uses_the_announced_cartoon_pets(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    dataset = dogs_vs_cats("dogs", limit=10)
    assert len(dataset) == 10 and dataset.targets.tolist() == [1] * 10
    assert dataset.data.shape[1:] == (3, 64, 64) and "cartoon pets" in dataset.source
    assert capsys.readouterr().err.count("cartoon pets") == 1


def test_offline_mode_never_asks_kaggle(data_dir, monkeypatch):
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    monkeypatch.setattr(kaggle, "_api", lambda: pytest.fail("offline mode must not download"))
    assert "cartoon pets" in dogs_vs_cats().source


@pytest.mark.skipif(not (SHARED_DATA / "dogs-vs-cats" / "train").is_dir(), reason="../shared/data is absent")
def test_the_real_pictures_in_the_competition_layout(tmp_path, monkeypatch):
    (tmp_path / "dogs-vs-cats").mkdir()
    (tmp_path / "dogs-vs-cats" / "train").symlink_to(SHARED_DATA / "dogs-vs-cats" / "train")
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    dataset = dogs_vs_cats("both", limit=100)
    assert len(dataset) == 200 and dataset.targets.tolist() == [0] * 100 + [1] * 100
    assert dataset.data.shape == (200, 3, 64, 64)
    # real photographs: varied, not flat colours
    assert dataset.data.float().std() > 40
    assert module.image_files(SHARED_DATA / "dogs-vs-cats" / "train")[0].name == "cat.0.jpg"
    assert len(module.image_files(SHARED_DATA / "dogs-vs-cats" / "train", "dogs")) == 1000


def test_the_cli_downloads_and_caches_before_class(credentials, monkeypatch, data_dir, capsys):
    from gancourse.course.cli import main

    monkeypatch.setattr(kaggle, "_api", lambda: FakeApi(competition_zip(2)))
    assert main(["data", "dogs-vs-cats"]) == 0
    assert "Kaggle Dogs vs. Cats (dogs)" in capsys.readouterr().out
    assert (data_dir / "dogs-vs-cats" / "cache-dogs-64px.pt").is_file()


def test_the_cli_names_the_fix_without_a_traceback(data_dir, capsys):
    from gancourse.course.cli import main

    assert main(["data", "dogs-vs-cats"]) == 2
    assert "No Kaggle credentials found" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["truncated", "not a picture"])
def test_a_damaged_jpeg_names_the_file_and_writes_no_cache(data_dir, damage):
    folder = data_dir / "dogs-vs-cats" / "train"
    folder.mkdir(parents=True)
    for i in range(3):
        (folder / f"cat.{i}.jpg").write_bytes(jpeg((220, 20, 20), size=(120, 90)))
        (folder / f"dog.{i}.jpg").write_bytes(jpeg((20, 20, 220), size=(120, 90)))
    bad = folder / "dog.1.jpg"
    content = bad.read_bytes()
    bad.write_bytes(content[: len(content) // 3] if damage == "truncated" else b"<html>403</html>")
    with pytest.raises(DataUnavailableError, match=f"{bad}.*cannot be decoded.*Fix: delete it"):
        dogs_vs_cats("both", image_size=32)
    assert not list((data_dir / "dogs-vs-cats").glob("cache-*")), "no cache from a half-decoded folder"


def test_a_folder_that_is_not_ours_gets_no_cache_even_as_root(tmp_path, monkeypatch):
    # The course machines' ../shared/data is read-only; root could still write into it.
    shared = tmp_path / "shared"
    folder = shared / "dogs-vs-cats" / "train"
    folder.mkdir(parents=True)
    for i in range(2):
        (folder / f"cat.{i}.jpg").write_bytes(jpeg((220, 20, 20)))
        (folder / f"dog.{i}.jpg").write_bytes(jpeg((20, 20, 220)))
    for path in (folder, folder.parent, shared):
        path.chmod(0o555)
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(shared))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    try:
        dataset = dogs_vs_cats("both", image_size=16)
        assert len(dataset) == 4
        assert sorted(p.name for p in (shared / "dogs-vs-cats").iterdir()) == ["train"], "nothing written there"
        assert (tmp_path / "user-cache" / "gancourse" / "dogs-vs-cats" / "cache-both-16px.pt").is_file()
    finally:
        for path in (folder, folder.parent, shared):
            path.chmod(0o755)
