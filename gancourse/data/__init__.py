"""Datasets of the course. Each follows the same order: local copy, download, announced stand-in."""

from .download import DownloadError
from .images import ImageDataset
from .mnist import DataUnavailableError, IdxFormatError, mnist, read_idx

__all__ = ["DataUnavailableError", "DownloadError", "IdxFormatError", "ImageDataset", "mnist", "read_idx"]
