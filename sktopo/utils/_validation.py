"""Input validation shared by the public functions (validate once, at the boundary)."""

import threading
from numbers import Integral, Real

import numpy as np

__all__ = ["check_values", "check_homology_dimensions", "check_points", "check_option",
           "check_scalar", "check_shape", "memory_budget", "check_memory",
           "check_random_state"]

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
    if n_bytes <= 2 ** 30:      # always allowed: no need to ask the system
        return
    budget = memory_budget()
    if n_bytes > budget:
        raise MemoryError(f"{what} needs about {n_bytes / 2**30:.3g} GiB, more than the "
                          f"{budget / 2**30:.3g} GiB allowed; {fix}.")


_FLOAT64 = np.dtype(np.float64)


def check_values(X, input_name="X", ndim=None, min_size=1, bytes_per_value=8):
    """Return ``X`` as a float64 array after checking it is finite and of an allowed ndim.

    The input is never modified: a new array is returned when a conversion is needed.
    ``bytes_per_value``: the memory the caller needs per value, checked against
    :func:`memory_budget` before the conversion.
    """
    if (X.__class__ is np.ndarray and X.dtype is _FLOAT64 and X.flags.c_contiguous
            and (ndim is None or X.ndim in ndim) and min_size <= X.size
            and X.size * max(bytes_per_value, 8) <= 2 ** 30 and np.isfinite(X).all()):
        return X        # the common case: nothing to convert, nothing to report
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{input_name} must be an array-like of numbers, got {type(X).__name__}.")
    if hasattr(X, "toarray") or hasattr(X, "todense"):     # scipy.sparse, without importing it
        raise TypeError(f"{input_name}: sparse input is not supported, pass a dense array "
                        f"(e.g. {input_name}.toarray()).")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{input_name} could not be converted to an array: {exc}") from None
    if arr.size * max(bytes_per_value, 8) > 2 ** 30:
        check_memory(arr.size * max(bytes_per_value, 8), f"{input_name} of shape {arr.shape}",
                     "pass a smaller input")
    if arr.dtype.kind not in "biuf":
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"{input_name} must hold real numbers, got dtype {arr.dtype}.")
        if np.iscomplexobj(arr):
            raise TypeError(f"{input_name} must hold real numbers, got complex values.")
    if arr.dtype != np.float64 or not arr.flags.c_contiguous:
        arr = np.asarray(arr, dtype=np.float64, order="C")     # (0-d stays 0-d)
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


_DIMS_SEEN = {}     # (tuple of (class, value), max_dim) -> the checked dimensions


def check_homology_dimensions(homology_dimensions, max_dim, input_name="homology_dimensions"):
    """Return the homology dimensions as a sorted tuple of distinct ints in [0, max_dim]."""
    key = None
    if homology_dimensions.__class__ in (tuple, int) and max_dim.__class__ is int:
        # the common call (a literal tuple or int): checked once, then looked up
        items = (homology_dimensions if homology_dimensions.__class__ is tuple
                 else (homology_dimensions,))
        key = (tuple((d.__class__, d) for d in items), max_dim)
        if key in _DIMS_SEEN:
            return _DIMS_SEEN[key]
    dims = _checked_dimensions(homology_dimensions, max_dim, input_name)
    if key is not None and len(_DIMS_SEEN) < 256:
        _DIMS_SEEN[key] = dims
    return dims


def _checked_dimensions(homology_dimensions, max_dim, input_name):
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


# ---------------------------------------------------------------------------------------
# One vocabulary for functions and estimators: scikit-learn's parameter constraints
# (Interval, StrOptions, "array-like", "random_state", "boolean", ...). Estimators list them
# in ``_parameter_constraints``; public functions use :func:`validate_params` with the
# same dicts (``CONSTRAINTS`` below holds the ones shared by several callers). Checks the
# vocabulary cannot say (an ordered pair, a value that depends on the data) are the
# ``check_*`` functions of this module.

def _constraints():
    from sklearn.utils._param_validation import Interval, StrOptions

    return {
        "homology_dimensions": [Interval(Integral, 0, None, closed="left"), tuple, list,
                                range, None],
        "max_edge_length": [Interval(Real, 0, None, closed="both")],
        "superlevel": ["boolean"],
        "connectivity": [StrOptions({"full", "face"}), Interval(Integral, 1, 3, closed="both")],
        "p": [Interval(Real, 0, None, closed="neither")],
        "min_persistence": [Interval(Real, 0, None, closed="left")],
        "max_persistence": [Interval(Real, 0, None, closed="both")],
        # scikit-learn's "random_state" (None, an int in [0, 2**32 - 1], a RandomState)
        # and a numpy Generator, which the samplers use as is
        "random_state": ["random_state", np.random.Generator],
        "n_jobs": [None, Interval(Integral, None, -1, closed="right"),
                   Interval(Integral, 1, 10 ** 6, closed="both")],
    }


CONSTRAINTS = _constraints()


def _raise_here(exc):
    # re-raised from sktopo, with scikit-learn's message and exception type
    raise type(exc)(str(exc)) from None


def check_params(constraints, params, caller):
    """Validate ``params`` (a dict) against scikit-learn style ``constraints``."""
    from sklearn.utils._param_validation import (InvalidParameterError,
                                                 validate_parameter_constraints)

    try:
        validate_parameter_constraints(constraints, params, caller_name=caller)
    except InvalidParameterError as exc:
        _raise_here(exc)




class _Nested(threading.local):
    skip = False        # a class default: reading it does not raise AttributeError


_nested = _Nested()
# parameter values whose constraint check can be remembered (hashable, compared with
# their class so that True and 1 stay apart), alone or in short tuples
_SCALARS = frozenset({type(None), bool, int, float, str})


def validation_skipped():
    """True inside a validated public call (its inner calls skip their checks) or inside
    ``sklearn.config_context(skip_parameter_validation=True)``."""
    if _nested.skip:
        return True
    from sklearn import get_config

    return get_config()["skip_parameter_validation"]


def validate_params(constraints, *, prefer_skip_nested_validation=True):
    """Decorator: validate a public function's parameters with ``constraints``.

    As :func:`sklearn.utils.validate_params`: skipped inside
    ``sklearn.config_context(skip_parameter_validation=True)`` (the ``check_input=False``
    of inner calls), and the functions it calls skip theirs when
    ``prefer_skip_nested_validation`` (the parameters were validated once, at the
    boundary). The constraints are compiled once; a call that passes costs a few
    microseconds.
    """
    import functools
    import inspect

    from sklearn import get_config
    from sklearn.utils._param_validation import make_constraint

    compiled = {k: [make_constraint(c) for c in v] for k, v in constraints.items()}
    # parameters that accept any array: a numpy array passes without asking
    takes_arrays = {k for k, v in constraints.items() if "array-like" in v}

    def decorator(func):
        signature = inspect.signature(func)
        # positional parameters by position (no signature.bind on the hot path: a small
        # pairing costs less than binding)
        positional = [name for name, p in signature.parameters.items()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        n_positional = len(positional)

        passed = set()      # (name, class, value) of scalars seen to pass: a set lookup

        def check(name, value):
            options = compiled.get(name)
            if options is None:
                return
            if value.__class__ is np.ndarray and name in takes_arrays:
                return
            cls = value.__class__
            key = None
            if cls in _SCALARS or (cls is tuple and len(value) <= 8
                                   and all(v.__class__ in _SCALARS for v in value)):
                key = (name, cls, value if cls is not tuple
                       else tuple((v.__class__, v) for v in value))
            if key is not None and key in passed:
                return
            if not any(c.is_satisfied_by(value) for c in options):
                check_params(constraints, {name: value}, func.__qualname__)
            if key is not None and len(passed) < 256:
                passed.add(key)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if _nested.skip or get_config()["skip_parameter_validation"]:
                return func(*args, **kwargs)
            if len(args) > n_positional or (kwargs and not kwargs.keys().isdisjoint(
                    positional[:len(args)])):
                try:
                    signature.bind(*args, **kwargs)
                except TypeError as exc:
                    raise TypeError(f"{func.__qualname__}(): {exc}") from None
            for name, value in zip(positional, args):
                check(name, value)
            for name, value in kwargs.items():
                check(name, value)
            if not prefer_skip_nested_validation:
                return func(*args, **kwargs)
            _nested.skip = True
            try:
                return func(*args, **kwargs)
            finally:
                _nested.skip = False
        return wrapper
    return decorator


def check_random_state(random_state, name="random_state", caller="sktopo"):
    """Return a RandomState or Generator for ``random_state``, refusing bad seeds clearly.

    None, an int in ``[0, 2**32 - 1]``, a :class:`numpy.random.RandomState` or a
    :class:`numpy.random.Generator` (returned as is); anything else is a ValueError naming
    the parameter (numpy's own message names neither).
    """
    from sklearn.utils import check_random_state as sklearn_check

    if isinstance(random_state, np.random.Generator):
        return random_state
    check_params({name: CONSTRAINTS["random_state"]}, {name: random_state}, caller)
    return sklearn_check(random_state)


def check_interval_pair(value, name, allow_none=True):
    """A closed interval ``(low, high)`` of real numbers with ``low <= high`` (NaN refused)."""
    if value is None and allow_none:
        return None
    try:
        low, high = value
    except (TypeError, ValueError):
        raise ValueError(f"The {name!r} parameter must be a pair (low, high) of real "
                         f"numbers, got {value!r}.") from None
    for v in (low, high):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (Real, np.number)):
            raise TypeError(f"The {name!r} parameter must be a pair (low, high) of real "
                            f"numbers, got {value!r}.")
        if np.isnan(v):
            raise ValueError(f"The {name!r} parameter must not hold NaN, got {value!r}; "
                             "use -inf or inf for an open end.")
    if low > high:
        raise ValueError(f"The {name!r} parameter must satisfy low <= high, got "
                         f"{value!r}; swap the two ends.")
    return float(low), float(high)


def check_ordered(low, high, low_name, high_name):
    """Check ``low <= high`` for two parameters bounding the same quantity."""
    if low > high:
        raise ValueError(f"The {low_name!r} parameter ({low!r}) must be <= the "
                         f"{high_name!r} parameter ({high!r}); swap or widen them.")


def _is_int_value(v):
    return isinstance(v, (Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def check_shape(shape, name="shape", ndim=None, bytes_per_value=8):
    """Return an array shape as a tuple of ints >= 0 (an int is a 1-D shape).

    ``ndim``: the allowed numbers of axes; the memory of an array of that shape
    (``bytes_per_value`` per value) is checked against the budget.
    """
    dims = (shape,) if _is_int_value(shape) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        raise TypeError(f"The {name!r} parameter must be an int or a tuple of ints, got "
                        f"{shape!r}.") from None
    if not all(_is_int_value(n) for n in dims):
        raise TypeError(f"The {name!r} parameter must be an int or a tuple of ints, got "
                        f"{shape!r}.")
    if any(n < 0 for n in dims) or (ndim is not None and len(dims) not in ndim):
        what = "" if ndim is None else " or ".join(str(d) for d in ndim) + " "
        raise ValueError(f"The {name!r} parameter must be {what}int(s) >= 0, got {shape!r}.")
    dims = tuple(int(n) for n in dims)
    check_memory(float(np.prod(dims, dtype=float)) * bytes_per_value,
                 f"an array of {name} {dims}", f"pass a smaller {name!r}")
    return dims
