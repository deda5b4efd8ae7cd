"""Random generators and explicit uniform noise (STUMP paper, Sec. II-C), and the random
bits of block pooling (``random_bits``: the compiled xoshiro256++ streams of
``sktopo.smear._pool2d``, the one stream of every build)."""

import numpy as np

from ..utils._validation import check_random_state, check_scalar, check_shape, check_values
from . import _pool2d

__all__ = ["as_generator", "uniform_noise", "perturb"]


def n_words(n):
    """64-bit words holding 32 bits for each of ``n`` pixels: a multiple of the 4 lanes."""
    return -(-n // 8) * 4


def random_bits(seed, n):
    """32 random bits for each of ``n`` pixels (uint32, at least ``n``), from the 64-bit
    ``seed``: the words of ``sktopo.smear._pool2d.fill_words`` (interleaved xoshiro256++
    streams)."""
    words = np.empty(n_words(n), dtype=np.uint64)
    _pool2d.fill_words(seed, words)
    return words.view(np.uint32)


def bits_uniforms(bits):
    """The noise and weight uniforms of each pixel's bits: ``(k + 1/2) / 2**16`` for the
    high and the low 16 bits, in (0, 1)."""
    high = ((bits >> 16).astype(np.float64) + 0.5) / 2**16
    low = ((bits & 0xFFFF).astype(np.float64) + 0.5) / 2**16
    return high, low


def as_generator(random_state):
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    A Generator is returned unchanged. Anything else goes through
    scikit-learn's ``check_random_state`` (None, an int in [0, 2**32 - 1], a RandomState) and seeds a new
    PCG64 Generator from it, so the same ``random_state`` gives the same stream. (The hot
    paths need a Generator: it draws float32 numbers into preallocated buffers.)
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    rs = check_random_state(random_state, caller="as_generator")
    return np.random.Generator(np.random.PCG64(rs.randint(0, 2**32, size=4)))


def uniform_noise(shape, eps, random_state=None, dtype=np.float64):
    """Independent uniform noise in ``[-eps, eps]``, one value per pixel (or coordinate).

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the noise.
    eps : float
        Half-width of the noise, >= 0 (0 gives zeros).
    random_state : int, RandomState, Generator or None, default=None
        Source of randomness.
    dtype : {np.float64, np.float32}, default=np.float64

    Returns
    -------
    noise : ndarray of the given shape

    Examples
    --------
    >>> from sktopo.smear import uniform_noise
    >>> h = uniform_noise((2, 3), 0.5, random_state=0)
    >>> h.shape, bool(abs(h).max() <= 0.5)
    ((2, 3), True)
    """
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    if dt not in (np.float64, np.float32):
        raise ValueError(f"The 'dtype' parameter must be np.float64 or np.float32, got "
                         f"{dtype!r}.")
    check_scalar(eps, "eps", low=0, high=float(np.finfo(dt).max))
    shape = check_shape(shape, bytes_per_value=dt.itemsize)
    rng = as_generator(random_state)
    u = rng.random(shape, dtype=dt)
    u *= 2
    u -= 1                  # in [-1, 1): eps * u cannot overflow
    u *= eps
    return u


def perturb(X, eps, *, noise=None, random_state=None):
    """Return ``X + h`` with ``h`` uniform in ``[-eps, eps]`` per value, or ``X + noise``.

    Parameters
    ----------
    X : array-like
        The function (image, signal or point coordinates).
    eps : float
        Half-width of the noise, >= 0; ignored when ``noise`` is given.
    noise : array-like of the shape of X, default=None
        Explicit noise to add (tests pin it); None draws it.
    random_state : int, RandomState, Generator or None, default=None

    Returns
    -------
    perturbed : ndarray of float64, a new array

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import perturb
    >>> perturb(np.zeros(3), 1.0, noise=[0.5, -0.5, 0.25])
    array([ 0.5 , -0.5 ,  0.25])
    """
    X = check_values(X, "X", min_size=0)
    if noise is None:
        with np.errstate(over="ignore"):
            out = X + uniform_noise(X.shape, eps, random_state)
    else:
        noise = check_values(noise, "noise", min_size=0)
        if noise.shape != X.shape:
            raise ValueError(f"The 'noise' parameter must have the shape of X {X.shape}, "
                             f"got {noise.shape}.")
        with np.errstate(over="ignore"):
            out = X + noise
    if not np.isfinite(out).all():
        raise ValueError("X + noise overflows the float64 range: rescale X or use a "
                         "smaller 'eps'.")
    return out
