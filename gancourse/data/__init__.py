"""Datasets of the course. Each follows the same order: local copy, download, announced stand-in."""

from .cyclegan_sets import cats_and_dogs, cyclegan
from .dogs_vs_cats import dogs_vs_cats
from .download import DataUnavailableError, DownloadError
from .images import ImageDataset
from .kaggle import KaggleCredentialsError, KaggleRulesError
from .mnist import IdxFormatError, mnist, read_idx
from .paired import PairedImages
from .pix2pix import facades, held_out_split, pix2pix_dataset
from .ring import modes_covered, ring_of_gaussians
from .unpaired import UnpairedImages

__all__ = [
    "DataUnavailableError", "DownloadError", "IdxFormatError", "ImageDataset", "KaggleCredentialsError",
    "KaggleRulesError", "PairedImages", "UnpairedImages", "cats_and_dogs", "cyclegan",
    "dogs_vs_cats", "facades", "held_out_split", "mnist", "modes_covered", "pix2pix_dataset", "read_idx",
    "ring_of_gaussians",
]
