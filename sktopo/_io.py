"""Reading and writing images for the command line (Pillow, which matplotlib brings, and NPY).

Grayscale conversion: a color image becomes its luminance ``0.299 R + 0.587 G + 0.114 B``
(ITU-R 601, Pillow's "F" mode), unless a channel is chosen; alpha is dropped. Values keep their
scale (0..255 for 8-bit files). Writing: ``.npy`` keeps float64; ``.tif``/``.tiff`` writes
float32; ``.png`` writes 8-bit (16-bit when the values exceed 255) after rounding and clipping
to the format's range.
"""

import os

import numpy as np

__all__ = ["check_output_path", "read_image", "write_image"]

_READ = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".npy")
_WRITE = (".png", ".tif", ".tiff", ".npy")


def _ext(path):
    return os.path.splitext(str(path))[1].lower()


def read_image(path, channel=None):
    """Read a 2-D float64 image from PNG/TIFF/JPEG/BMP (Pillow) or NPY."""
    ext = _ext(path)
    if ext not in _READ:
        raise ValueError(f"unsupported image format {ext!r} of {path} (use one of "
                         f"{', '.join(_READ)})")
    if ext == ".npy":
        arr = np.load(path, allow_pickle=False)
        if arr.ndim == 3 and channel is not None:
            arr = arr[..., channel]
        return np.asarray(arr, dtype=np.float64)
    from PIL import Image

    with Image.open(path) as img:
        if channel is not None:
            bands = img.getbands()
            if not 0 <= channel < len(bands):
                raise ValueError(f"channel {channel} out of range: {path} has "
                                 f"{len(bands)} channel(s) {bands}")
            img = img.getchannel(channel)
        return np.asarray(img.convert("F"), dtype=np.float64)


def check_output_path(path):
    """Raise ValueError for an output format we cannot write (before any work is done)."""
    ext = _ext(path)
    if ext not in _WRITE:
        raise ValueError(f"unsupported output format {ext!r} (use one of "
                         f"{', '.join(_WRITE)})")


def write_image(path, image):
    """Write a 2-D image; see the module docstring for each format's encoding."""
    check_output_path(path)
    ext = _ext(path)
    image = np.asarray(image, dtype=np.float64)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if ext == ".npy":
        np.save(path, image)
        return
    from PIL import Image

    if ext in (".tif", ".tiff"):
        Image.fromarray(image.astype(np.float32), mode="F").save(path)
        return
    if image.max() > 255:
        Image.fromarray(np.clip(np.rint(image), 0, 65535).astype(np.uint16)).save(path)
    else:
        Image.fromarray(np.clip(np.rint(image), 0, 255).astype(np.uint8)).save(path)
