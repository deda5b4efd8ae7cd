"""Reading and writing images for the command line (Pillow, which matplotlib brings, and NPY).

Grayscale conversion: a color image becomes its luminance ``0.299 R + 0.587 G + 0.114 B``
(ITU-R 601, Pillow's "F" mode), unless a channel is chosen; alpha is dropped. Values keep their
scale (0..255 for 8-bit files, 0..65535 for 16-bit ones). Writing: ``.npy`` keeps float64;
``.tif``/``.tiff`` writes float32; ``.png`` writes the bit depth of the input image (``like``):
8-bit in, 8-bit out, 16-bit in, 16-bit out, after rounding and clipping to that range (with a
warning saying how many pixels were clipped). Without an integer input, a PNG is 8-bit when
the values fit in 0..255, else 16-bit. No folder is ever created: the output's folder must
exist.
"""

import os
import warnings

import numpy as np

__all__ = ["bit_depth", "check_output_path", "png_depth", "read_image", "write_image"]

_READ = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".npy")
_WRITE = (".png", ".tif", ".tiff", ".npy")
# Pillow modes of 8-bit and 16-bit integer images (a 16-bit PNG opens as "I;16" or "I")
_DEPTH = {"1": 8, "L": 8, "P": 8, "LA": 8, "PA": 8, "RGB": 8, "RGBA": 8, "RGBX": 8,
          "CMYK": 8, "YCbCr": 8, "LAB": 8, "HSV": 8, "I;16": 16, "I;16L": 16,
          "I;16B": 16, "I;16N": 16, "I": 16}


def _ext(path):
    return os.path.splitext(str(path))[1].lower()


def _check_input(path):
    ext = _ext(path)
    if ext not in _READ:
        raise ValueError(f"unsupported image format {ext!r} of {path} (use one of "
                         f"{', '.join(_READ)})")
    return ext


def read_image(path, channel=None):
    """Read a 2-D float64 image from PNG/TIFF/JPEG/BMP (Pillow) or NPY."""
    ext = _check_input(path)
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


def bit_depth(path):
    """``(depth, n_channels)`` of an image file: depth 8 or 16 for integer images, None for
    floating-point ones (TIFF "F", float NPY)."""
    ext = _check_input(path)
    if ext == ".npy":
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
        depth = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}.get(arr.dtype)
        return depth, (arr.shape[2] if arr.ndim == 3 else 1)
    from PIL import Image

    with Image.open(path) as img:
        return _DEPTH.get(img.mode), len(img.getbands())


def check_output_path(path, make_parents=False):
    """Raise before any work is done for an output we cannot write: an unsupported format,
    a missing folder (created only when ``make_parents``), a folder given as the file."""
    ext = _ext(path)
    if ext not in _WRITE:
        raise ValueError(f"unsupported output format {ext!r} (use one of "
                         f"{', '.join(_WRITE)})")
    folder = os.path.dirname(os.path.abspath(path))
    if make_parents:
        os.makedirs(folder, exist_ok=True)
    elif not os.path.isdir(folder):
        raise FileNotFoundError(f"output folder {folder} does not exist (create it, or "
                                "pass --parents)")
    if os.path.isdir(path):
        raise IsADirectoryError(f"output {path} is a folder, not a file name")


def png_depth(image, like=None):
    """The bit depth (8 or 16) of the PNG that :func:`write_image` writes for ``image``:
    that of the input image ``like``, else 8 when the values fit in 0..255."""
    depth = bit_depth(like)[0] if like is not None else None
    if depth is None:
        depth = 16 if np.max(image) > 255 else 8
    return depth


def write_image(path, image, like=None):
    """Write a 2-D image; ``like``: the input image's path, whose bit depth a PNG keeps.

    See the module docstring for each format's encoding.
    """
    check_output_path(path)
    ext = _ext(path)
    image = np.asarray(image, dtype=np.float64)
    if ext == ".npy":
        np.save(path, image)
        return
    from PIL import Image

    if ext in (".tif", ".tiff"):
        Image.fromarray(image.astype(np.float32), mode="F").save(path)
        return
    depth = png_depth(image, like)
    high = 255 if depth == 8 else 65535
    rounded = np.rint(image)
    n_clipped = int(np.count_nonzero((rounded < 0) | (rounded > high)))
    if n_clipped:
        warnings.warn(f"{n_clipped} pixel value(s) outside the {depth}-bit range 0..{high} "
                      f"were clipped in {path} (the result spans {image.min():.4g}.."
                      f"{image.max():.4g}; --keep-range keeps the input's range, .npy or "
                      ".tif keep every value)", UserWarning, stacklevel=2)
    dtype = np.uint8 if depth == 8 else np.uint16
    Image.fromarray(np.clip(rounded, 0, high).astype(dtype)).save(path)
