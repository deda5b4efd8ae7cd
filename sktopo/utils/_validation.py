"""Input validation shared by the public functions (validate once, at the boundary)."""

from numbers import Integral, Real

import numpy as np

__all__ = ["check_values", "check_homology_dimensions", "check_points", "check_option",
           "check_scalar", "memory_budget", "check_memory"]

# the largest allocation a public function makes without asking, in bytes (None: half of the
# memory available when asked, at least 1 GiB)
MEMORY_BUDGET = None


def memory_budget():
    """Bytes a single computation may allocate: ``MEMORY_BUDGET`` or half the free memory."""
    if MEMORY_BUDGET is not None:
        return MEMORY_BUDGET
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        available = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):  # pragma: no cover - not Linux
        available = 8 * 2 ** 30
    return max(available // 2, 2 ** 30)


def check_memory(n_bytes, what, fix):
    """Raise a MemoryError giving the estimate when ``n_bytes`` exceeds the budget."""
    budget = memory_budget()
    if n_bytes > budget:
        raise MemoryError(f"{what} needs about {n_bytes / 2**30:.3g} GiB, more than the "
                          f"{budget / 2**30:.3g} GiB allowed; {fix}.")


def check_values(X, input_name="X", ndim=None, min_size=1, bytes_per_value=8):
    """Return ``X`` as a float64 array after checking it is finite and of an allowed ndim.

    The input is never modified: a new array is returned when a conversion is needed.
    ``bytes_per_value``: the memory the caller needs per value, checked against
    :func:`memory_budget` before the conversion.
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{input_name} must be an array-like of numbers, got {type(X).__name__}.")
    if hasattr(X, "toarray") or hasattr(X, "todense"):     # scipy.sparse, without importing it
        raise TypeError(f"{input_name}: sparse input is not supported, pass a dense array "
                        f"(e.g. {input_name}.toarray()).")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{input_name} could not be converted to an array: {exc}") from None
    check_memory(arr.size * max(bytes_per_value, 8), f"{input_name} of shape {arr.shape}",
                 "pass a smaller input")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == bool):
        raise TypeError(f"{input_name} must hold real numbers, got dtype {arr.dtype}.")
    if np.iscomplexobj(arr):
        raise TypeError(f"{input_name} must hold real numbers, got complex values.")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if ndim is not None and arr.ndim not in ndim:
        allowed = " or ".join(str(d) for d in ndim)
        raise ValueError(f"{input_name} must be a {allowed}-D array, got an array of "
                         f"shape {arr.shape} ({arr.ndim}-D).")
    if arr.size < min_size:
        raise ValueError(f"{input_name} must have at least {min_size} value(s), got shape "
                         f"{arr.shape}.")
    if not np.isfinite(arr).all():
        what = "NaN" if np.isnan(arr).any() else "infinite"
        raise ValueError(f"{input_name} must be finite, it contains {what} values.")
    return arr


def check_points(points, input_name="points", min_points=1):
    """Return a point cloud as a float64 array of shape (n_points, n_dims).

    A 1-D array is read as points on the line.
    """
    arr = check_values(points, input_name, ndim=(1, 2), min_size=min_points)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape[0] < min_points:
        raise ValueError(f"{input_name} must hold at least {min_points} point(s), got "
                         f"{arr.shape[0]}.")
    return arr


def check_homology_dimensions(homology_dimensions, max_dim, input_name="homology_dimensions"):
    """Return the homology dimensions as a sorted tuple of distinct ints in [0, max_dim]."""
    dims = homology_dimensions
    if isinstance(dims, (Integral, np.integer)):
        dims = (dims,)
    try:
        dims = tuple(dims)
    except TypeError:
        raise TypeError(f"{input_name} must be an int or a sequence of ints, got "
                        f"{homology_dimensions!r}.") from None
    if not dims:
        raise ValueError(f"{input_name} must not be empty.")
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (Integral, np.integer)):
            raise TypeError(f"{input_name} must hold ints, got {d!r}.")
        if not 0 <= d <= max_dim:
            raise ValueError(f"{input_name} must lie in [0, {max_dim}] for this input, "
                             f"got {d}.")
    return tuple(sorted({int(d) for d in dims}))


def check_option(value, name, options):
    """Check that ``value`` is one of ``options`` (a parameter given as a string)."""
    if not isinstance(value, str) or value not in options:
        allowed = ", ".join(repr(o) for o in options)
        raise ValueError(f"The {name!r} parameter must be one of {allowed}, got {value!r}.")
    return value


def check_scalar(value, name, low=None, high=None, include_low=True, integer=False,
                 allow_inf=False):
    """Check a real (or integer) scalar parameter and return it."""
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, (kind, np.integer if integer
                                                         else np.number)):
        what = "an int" if integer else "a real number"
        raise TypeError(f"The {name!r} parameter must be {what}, got {value!r}.")
    if np.isnan(value) or (np.isinf(value) and not allow_inf):
        raise ValueError(f"The {name!r} parameter must be finite, got {value!r}.")
    if low is not None and (value < low or (value == low and not include_low)):
        op = ">=" if include_low else ">"
        raise ValueError(f"The {name!r} parameter must be {op} {low}, got {value!r}.")
    if high is not None and value > high:
        raise ValueError(f"The {name!r} parameter must be <= {high}, got {value!r}.")
    return value
