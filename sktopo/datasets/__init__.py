"""Synthetic inputs with known topology."""

from ._images import make_blobs_image

__all__ = ["make_blobs_image"]
