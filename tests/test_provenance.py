"""Lecture 10's deepfake tools: the keyed watermark, the detector's split, the perturbations, the spectrum."""

import pytest
import torch

from gancourse import checks, forensics, watermark


def noise_pictures(n: int, seed: int = 0) -> torch.Tensor:
    return (torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 0.4).clamp(-1, 1)


def test_the_watermark_statistic_on_unmarked_and_marked_noise():
    pictures = noise_pictures(2_000)
    unmarked = watermark.detection_statistic(pictures, key=7)
    # About N(0, 1) where the key never touched the picture: the threshold of 4 is then rarely passed.
    assert abs(unmarked.mean().item()) < 0.1 and 0.8 < unmarked.std().item() < 1.2
    assert watermark.detected(pictures, key=7).float().mean().item() < 0.002
    marked = watermark.embed(pictures, key=7)
    assert (marked - pictures).abs().max().item() <= watermark.AMPLITUDE + 1e-6
    assert watermark.detected(marked, key=7).float().mean().item() > 0.99
    # another key does not find it
    assert watermark.detected(marked, key=8).float().mean().item() < 0.002


def test_the_key_is_a_fixed_plus_minus_one_pattern():
    pattern = watermark.key_pattern(3)
    assert pattern.shape == (1, 28, 28) and set(pattern.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(pattern, watermark.key_pattern(3)) and not torch.equal(pattern, watermark.key_pattern(4))


def test_the_package_split_passes_the_exercise_check_and_the_check_catches_a_leak():
    checks.check_detector_split(forensics.detector_split)

    def leaky(real, fake, n_test):
        (x_train, y_train), (x_test, y_test) = forensics.detector_split(real, fake, n_test)
        return (torch.cat([x_train, x_test[-3:]]), torch.cat([y_train, y_test[-3:]])), (x_test, y_test)

    with pytest.raises(checks.CheckFailed, match="in both sets"):
        checks.check_detector_split(leaky)


def test_perturbations_keep_shape_and_range_and_change_the_picture_a_little():
    pictures = noise_pictures(8)
    for name, perturb in forensics.PERTURBATIONS.items():
        out = perturb(pictures)
        assert out.shape == pictures.shape and out.min() >= -1 and out.max() <= 1, name
        change = (out - pictures).abs().mean().item()
        assert 0.005 < change < 0.3, name
    assert torch.equal(forensics.jpeg_round_trip(pictures), forensics.jpeg_round_trip(pictures))


def test_the_spectrum_finds_a_checkerboard_at_the_highest_frequency():
    board = (torch.arange(28)[:, None] + torch.arange(28)[None, :]) % 2 * 2.0 - 1
    smooth = torch.cos(torch.arange(28) * 2 * torch.pi / 28)[None, :].expand(28, 28)  # one period: the lowest frequency
    assert forensics.high_frequency_power(board.view(1, 1, 28, 28)) > 0.99
    assert forensics.high_frequency_power(smooth.reshape(1, 1, 28, 28)) < 0.05
    spectrum = forensics.average_spectrum(board.view(1, 1, 28, 28))
    assert spectrum.shape == (28, 28) and spectrum.argmax().item() == 0  # fftshift puts Nyquist in the corner


def test_the_detector_shape_and_size():
    detector = forensics.RealOrGenerated()
    assert detector(torch.zeros(5, 1, 28, 28)).shape == (5,)
    parameters = sum(p.numel() for p in detector.parameters())
    assert parameters == (16 * 16 + 16) + (32 * 16 * 16 + 32) + (32 * 49 + 1) == 10_065


def test_the_false_alarm_threshold_flags_the_asked_share_of_real_pictures():
    torch.manual_seed(0)
    detector = forensics.RealOrGenerated()
    real = torch.rand(2000, 1, 28, 28) * 2 - 1
    for rate in (0.05, 0.2):
        threshold = forensics.false_alarm_threshold(detector, real, rate=rate)
        assert forensics.share_called_generated(detector, real, threshold) == pytest.approx(rate, abs=1e-3)
    # a shift of every logit by 3 (a detector's default cut badly placed) moves the threshold with it
    with torch.no_grad():
        detector.layers[-1].bias += 3.0
    assert forensics.share_called_generated(detector, real, forensics.false_alarm_threshold(detector, real, 0.05)) \
        == pytest.approx(0.05, abs=1e-3)
