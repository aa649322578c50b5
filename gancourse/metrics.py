"""The independent judge: a digit classifier, trained on real digits, scores generated ones.

A GAN's own losses do not say whether its pictures are good (lecture 3), and a Parzen
estimate rewards closeness to test pixels more than digit-ness (Theis et al. 2016). The
readings of the seed lectures point to scores from a classifier instead (Salimans et al.
2016, Heusel et al. 2017); on MNIST a small CNN is the usual stand-in for Inception:

- **confidence**: the classifier's mean top probability. Real test digits score close to 1,
  smudges and noise far lower.
- **classes covered**: how many of the 10 digits are drawn at all (at least `MIN_SHARE` of
  the samples confidently classified as that digit). A collapsed generator covers few.
- **label accuracy** (conditional models): the share of samples classified as the label
  they were drawn for. Chance is 0.1.
- **Fréchet distance** between Gaussians fitted to the classifier's features of real test
  digits and of the samples (FID with this classifier in place of Inception). Lower is
  better; it compares whole distributions, so it also sees missing variety.

The classifier is trained once on the session's real training digits (`mnist("train")`)
and cached beside the data, or in the user cache where the data folder is not ours.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import config
from .data import mnist
from .data.cmp import CLASSES, PALETTE
from .models.modes import evaluating
from .train import CheckpointError, load_checkpoint, save_checkpoint

MIN_SHARE = 0.01  # a digit counts as drawn when at least 1 % of the samples are confidently that digit
CONFIDENT = 0.5
FORMAT = 1  # bump when the classifier or its training changes, so old caches are not used
TRAIN_STEPS = 600
BATCH = 64


class DigitClassifier(nn.Module):
    """Two 3x3 conv layers (16, 32 channels) with max pooling, 128 features, 10 logits. Input in [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # [16, 14, 14]
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # [32, 7, 7]
            nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(),  # the features the Fréchet distance uses
        )
        self.head = nn.Linear(128, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def frechet_distance(mu_a, cov_a, mu_b, cov_b) -> float:
    """||mu_a - mu_b||^2 + tr(cov_a + cov_b - 2 (cov_a cov_b)^(1/2)), in float64.

    tr((cov_a cov_b)^(1/2)) is the sum of the square roots of the eigenvalues of the symmetric
    matrix cov_a^(1/2) cov_b cov_a^(1/2), which has the same eigenvalues; symmetric eigensolvers
    are stable where a general matrix square root is not.
    """
    mu_a, cov_a, mu_b, cov_b = (torch.as_tensor(t, dtype=torch.float64) for t in (mu_a, cov_a, mu_b, cov_b))
    values, vectors = torch.linalg.eigh(cov_a)
    root_a = vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T
    middle = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    return float((mu_a - mu_b).pow(2).sum() + torch.trace(cov_a) + torch.trace(cov_b) - 2 * middle)


def _gaussian(features: torch.Tensor):
    features = features.double()
    return features.mean(0), torch.cov(features.T)


@dataclass
class Scores:
    """What the judge says about a set of samples."""

    n: int
    confidence: float
    classes_covered: int
    class_shares: list
    frechet_distance: float
    label_accuracy: float | None = None

    def __str__(self) -> str:
        text = (f"confidence {self.confidence:.2f}, {self.classes_covered}/10 classes covered, "
                f"Fréchet distance {self.frechet_distance:.1f}")
        if self.label_accuracy is not None:
            text += f", label accuracy {self.label_accuracy:.2f}"
        return text + f" ({self.n} samples)"


class DigitJudge:
    """A trained DigitClassifier plus the real test digits' feature statistics; `score` judges samples."""

    def __init__(self, classifier: DigitClassifier, source: str, test_set):
        self.classifier, self.source = classifier.eval(), source
        images, labels = test_set.tensors()
        probabilities, features = self._run(images, test_set.value_range)
        self.test_accuracy = (probabilities.argmax(1) == labels).double().mean().item()
        self.real_mu, self.real_cov = _gaussian(features)

    def __repr__(self) -> str:
        return f"DigitJudge(trained on {self.source}; test accuracy {self.test_accuracy:.3f})"

    @torch.no_grad()
    def _run(self, images: torch.Tensor, value_range):
        images = _as_judged(images, value_range)
        logits, features = [], []
        with evaluating(self.classifier):
            for chunk in images.split(1000):
                f = self.classifier.features(chunk)
                features.append(f)
                logits.append(self.classifier.head(f))
        return torch.cat(logits).softmax(1), torch.cat(features)

    def classes(self, images: torch.Tensor, value_range=(-1, 1)) -> torch.Tensor:
        """The class the classifier gives each image: [N] integers on the CPU."""
        return self._run(images, value_range)[0].argmax(1)

    def score(self, images: torch.Tensor, labels=None, value_range=(-1, 1)) -> Scores:
        """Scores of `images` ([N, 1, 28, 28] in `value_range`); `labels`: the classes they were drawn for."""
        probabilities, features = self._run(images, value_range)
        confidence, predicted = probabilities.max(1)
        confident = predicted[confidence >= CONFIDENT]
        shares = torch.bincount(confident, minlength=10).double() / len(images)
        label_accuracy = None
        if labels is not None:
            labels = torch.as_tensor(labels).view(-1).cpu()
            if len(labels) != len(images):
                raise ValueError(f"{len(images)} images but {len(labels)} labels: give one label per image.")
            label_accuracy = (predicted == labels).double().mean().item()
        return Scores(
            n=len(images), confidence=confidence.double().mean().item(),
            classes_covered=int((shares >= MIN_SHARE).sum()), class_shares=[round(s, 3) for s in shares.tolist()],
            frechet_distance=frechet_distance(self.real_mu, self.real_cov, *_gaussian(features)),
            label_accuracy=label_accuracy,
        )


def _as_judged(images: torch.Tensor, value_range) -> torch.Tensor:
    """Samples as [N, 1, 28, 28] float32 in [-1, 1] on the CPU, or a clear error."""
    images = torch.as_tensor(images).detach().cpu().float()
    if images.dim() == 2 and images.shape[1] == 784:
        images = images.view(-1, 1, 28, 28)
    if images.dim() != 4 or images.shape[1:] != (1, 28, 28):
        raise ValueError(f"the judge scores MNIST-shaped digits [N, 1, 28, 28]; got {list(images.shape)}.")
    if not torch.isfinite(images).all():
        raise ValueError("the samples contain NaN or inf: the generator diverged. Fix: retrain with a lower "
                         "learning rate, then score again.")
    low, high = value_range
    return (images - low) / (high - low) * 2 - 1


def _new_classifier(seed: int = 0) -> DigitClassifier:
    """A fresh classifier whose initial weights come from `seed`, not from (and not moving) the global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return DigitClassifier()


def _shuffle_pixels(images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """The same ink, in random places: a picture with a digit's statistics but no digit."""
    flat = images.flatten(1)
    order = torch.argsort(torch.rand(flat.shape, generator=rng), dim=1)
    return flat.gather(1, order).view_as(images)


def _train(train_set, seed: int = 0) -> DigitClassifier:
    """TRAIN_STEPS steps of Adam on the real training digits, with random numbers of its own (not the global RNG)."""
    rng = torch.Generator().manual_seed(seed)
    classifier = _new_classifier(seed)
    images, labels = train_set.tensors()
    optimizer = torch.optim.Adam(classifier.parameters(), lr=1e-3)
    classifier.train()
    for step in range(TRAIN_STEPS):
        if step % (len(images) // BATCH) == 0:
            order = torch.randperm(len(images), generator=rng)
        start = (step % (len(images) // BATCH)) * BATCH
        index = order[start:start + BATCH]
        # One pixel of random shift: a judge that only knows perfectly centred digits is too strict.
        dx, dy = torch.randint(-1, 2, (2,), generator=rng).tolist()
        batch = torch.roll(images[index], shifts=(dy, dx), dims=(2, 3))
        loss = F.cross_entropy(classifier(batch), labels[index])
        # Outlier exposure (Hendrycks et al. 2019): on noise and on digits with their pixels
        # shuffled, the classifier is taught to be unsure (uniform target). Without it a CNN is
        # 95 % "sure" of pure noise, and its confidence would say nothing about a bad generator.
        outliers = torch.cat([torch.rand(BATCH // 4, 1, 28, 28, generator=rng) * 2 - 1,
                              _shuffle_pixels(batch[: BATCH // 4], rng)])
        loss = loss - 0.5 * F.log_softmax(classifier(outliers), dim=1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return classifier.eval()


def _cache_file(source: str, n_train: int) -> Path:
    key = hashlib.sha256(f"{FORMAT}:{source}:{n_train}:{TRAIN_STEPS}".encode()).hexdigest()[:12]
    return config.writable(config.data_dir() / "MNIST") / f"digit-judge-{key}.pt"


_judges = {}


def digit_judge() -> DigitJudge:
    """The judge for this session's digits: trained on mnist("train") once (about 10 s on 2 CPU cores), then cached."""
    train_set, test_set = mnist("train"), mnist("test")
    source = train_set.source.rsplit(",", 1)[0]
    cache = _cache_file(source, len(train_set))
    if cache not in _judges:
        classifier = _new_classifier()
        try:
            classifier.load_state_dict(load_checkpoint(cache))
        except (CheckpointError, RuntimeError):  # absent, torn, or from another classifier: train it anew
            classifier = _train(train_set)
            save_checkpoint(cache, classifier.state_dict())
        _judges[cache] = DigitJudge(classifier, source, test_set)
    return _judges[cache]


# Translation (lecture 6): scored against the ground truth ------------------------------


def _high_frequencies(images: torch.Tensor) -> torch.Tensor:
    """Each picture minus its 3x3 box blur: the edges and texture a blurry picture lacks."""
    padded = F.pad(images, (1, 1, 1, 1), mode="replicate")
    return images - F.avg_pool2d(padded, 3, stride=1)


def sharpness(images: torch.Tensor, references: torch.Tensor) -> float:
    """High-frequency energy of `images` relative to that of `references` (the real photos), averaged per picture.

    1 means as much fine detail as the real photos, 0 a flat blur. It says nothing about whether
    the detail is right; read it beside the L1 error to the same photos.
    """
    energy = _high_frequencies(images.float()).pow(2).mean(dim=(1, 2, 3))
    reference = _high_frequencies(references.float()).pow(2).mean(dim=(1, 2, 3))
    return (energy / reference.clamp_min(1e-12)).mean().item()


def l1_error(images: torch.Tensor, references: torch.Tensor) -> float:
    """Mean absolute difference to the real photos, in the [-1, 1] units the generator works in."""
    return (images.float() - references.float()).abs().mean().item()


# Unpaired translation (lecture 7): no ground truth, so a classifier of the two domains judges ----


class DomainClassifier(nn.Module):
    """Three 4x4 stride-2 convolutions (16, 32, 64 channels), global average pooling, one logit: "is this Y?"."""

    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(3, 16, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(16, 32, 4, 2, 1), nn.BatchNorm2d(32), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).squeeze(1)

    def share_taken_for_y(self, images: torch.Tensor, batch_size: int = 256) -> float:
        """The share of `images` this classifier takes for pictures of Y (logit > 0)."""
        return share_of_positive_logits(self, images, batch_size)

    def probability_of_y(self, images: torch.Tensor, batch_size: int = 256) -> float:
        """The classifier's mean probability that `images` are pictures of Y.

        Where many pictures sit near the classifier's fence (logit about 0), the share taken for Y
        jumps between 0% and 100% on a small difference; the mean probability shows how near they sit.
        """
        return torch.sigmoid(logits_of(self, images, batch_size)).mean().item()


@torch.no_grad()
def logits_of(classifier: nn.Module, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """A one-logit classifier's logits for `images` [N], in eval mode, batch by batch, on the CPU."""
    device = next(classifier.parameters()).device
    with evaluating(classifier):
        return torch.cat([classifier(images[i:i + batch_size].to(device)).cpu()
                          for i in range(0, len(images), batch_size)])


def share_of_positive_logits(classifier: nn.Module, images: torch.Tensor, batch_size: int = 256,
                             threshold: float = 0.0) -> float:
    """The share of `images` to which a one-logit classifier gives a logit above `threshold` (0: probability 1/2)."""
    return (logits_of(classifier, images, batch_size) > threshold).float().mean().item()


def domain_classifier(data, epochs: int = 4, batch_size: int = 32, seed: int = 0, device=None) -> DomainClassifier:
    """A DomainClassifier trained on the real pictures of both domains of `data` (UnpairedImages), X = 0, Y = 1.

    It never sees a generated picture: it scores a translation the way it scores a real one,
    so "G(x) taken for Y" is an opinion from outside the GAN. It trains on jittered batches
    (max(|X|, |Y|) pairs an epoch) with Adam 1e-3; its own random stream, so it leaves the
    notebook's untouched.
    """
    with torch.random.fork_rng():  # the global streams (CPU and CUDA) are restored on the way out, even on an error
        torch.manual_seed(seed)
        classifier = DomainClassifier().to(device or "cpu")
        optimizer = torch.optim.Adam(classifier.parameters(), 1e-3)
        for _ in range(epochs):
            for x, y in data.batches(batch_size, device):
                logits = classifier(torch.cat([x, y]))
                labels = torch.cat([torch.zeros(len(x)), torch.ones(len(y))]).to(logits.device)
                loss = F.binary_cross_entropy_with_logits(logits, labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return classifier.eval()


# Photo -> label map (lecture 7 on the facades): the segmentation measures of the CycleGAN paper ---------


@dataclass
class LabelMapScores:
    """The measures of the CycleGAN paper's "photo -> labels" column (its Table 2, from the FCN-score code).

    pixel_accuracy: the share of pixels given their true class; class_accuracy: that share within each
    true class, averaged over the classes the true maps contain; class_iou: intersection over union
    per class, averaged over the classes either map contains.
    """

    pixel_accuracy: float
    class_accuracy: float
    class_iou: float

    def __str__(self) -> str:
        return (f"per-pixel accuracy {self.pixel_accuracy:.2f}, per-class accuracy {self.class_accuracy:.2f}, "
                f"class IoU {self.class_iou:.2f}")


def label_classes(maps: torch.Tensor) -> torch.Tensor:
    """Label maps [N, 3, H, W] in [-1, 1] -> class indices [N, H, W]: each pixel's nearest CMP colour.

    Squared differences summed per colour, not torch.cdist: cdist's matrix-product path rounds
    differently from one CPU to the next, and a pixel halfway between two colours must not change class.
    """
    pixels = ((maps.detach().float().clamp(-1, 1) + 1) * 127.5).permute(0, 2, 3, 1)  # [N, H, W, 3] in 0-255
    distances = (pixels.unsqueeze(-2) - PALETTE.float()).pow(2).sum(dim=-1)  # [N, H, W, 12]
    return distances.argmin(dim=-1)


def label_map_scores(predicted: torch.Tensor, true: torch.Tensor) -> LabelMapScores:
    """Score predicted label maps against the true ones (both [N, 3, H, W] in [-1, 1], snapped to CMP classes)."""
    if predicted.shape != true.shape:
        raise ValueError(f"predicted maps {list(predicted.shape)} and true maps {list(true.shape)} differ in shape.")
    n = len(CLASSES)
    truth, guess = label_classes(true).flatten(), label_classes(predicted).flatten()
    confusion = torch.bincount(truth * n + guess, minlength=n * n).view(n, n).double()  # rows: true class
    hits, in_truth, in_guess = confusion.diag(), confusion.sum(dim=1), confusion.sum(dim=0)
    present, either = in_truth > 0, (in_truth + in_guess) > 0
    return LabelMapScores(
        pixel_accuracy=(hits.sum() / confusion.sum()).item(),
        class_accuracy=(hits[present] / in_truth[present]).mean().item(),
        class_iou=(hits[either] / (in_truth + in_guess - hits)[either]).mean().item(),
    )
