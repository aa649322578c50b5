"""Datasets of the course. Each follows the same order: local copy, download, announced stand-in."""

from .dogs_vs_cats import dogs_vs_cats
from .download import DataUnavailableError, DownloadError
from .images import ImageDataset
from .kaggle import KaggleCredentialsError, KaggleRulesError
from .mnist import IdxFormatError, mnist, read_idx

__all__ = [
    "DataUnavailableError", "DownloadError", "IdxFormatError", "ImageDataset", "KaggleCredentialsError",
    "KaggleRulesError", "dogs_vs_cats", "mnist", "read_idx",
]
