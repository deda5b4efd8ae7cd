"""The one place that imports scikit-learn's private API (it may change without notice).

scikit-learn is pinned to ``>=1.6,<2`` in pyproject.toml; 1.6 introduced
``sklearn.utils.validation.validate_data`` and ``__sklearn_tags__``.
"""

import math

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (HasMethods, Interval, InvalidParameterError,
                                             Options, StrOptions, validate_params)
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.multiclass import check_classification_targets as _check_targets
from sklearn.utils.validation import validate_data as _validate_data

__all__ = ["HasMethods", "Interval", "InvalidParameterError", "Options", "StrOptions",
           "_fit_context", "_get_output_config", "check_classification_targets",
           "validate_data", "validate_params"]


def _from_here(func, *args, **kwargs):
    # scikit-learn's message and exception type, raised from sktopo's frame: the error is
    # about the user's data, not a failure inside a dependency
    try:
        return func(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        raise type(exc)(str(exc)) from None


def validate_data(estimator, X="no_validation", y="no_validation", **kwargs):
    """scikit-learn's ``validate_data``, with strings refused by name."""
    from ._validation import check_memory

    for name, value in (("X", X), ("y", y)):
        if isinstance(value, (str, bytes)) and value != "no_validation":
            raise TypeError(f"{name} must be an array-like of numbers, got a string.")
        shape = getattr(value, "shape", None)
        if shape is not None and not hasattr(value, "toarray"):
            # before scikit-learn converts (and scans) it: refuse what cannot fit
            check_memory(8 * math.prod(shape), f"{name} of shape {tuple(shape)}",
                         "pass a smaller input")
    return _from_here(_validate_data, estimator, X, y, **kwargs)


def check_classification_targets(y):
    """scikit-learn's check of classification targets (its message)."""
    return _from_here(_check_targets, y)
