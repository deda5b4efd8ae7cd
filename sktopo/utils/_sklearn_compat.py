"""The one place that imports scikit-learn's private API (it may change without notice).

scikit-learn is pinned to ``>=1.6,<2`` in pyproject.toml; 1.6 introduced
``sklearn.utils.validation.validate_data`` and ``__sklearn_tags__``.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (HasMethods, Interval, InvalidParameterError,
                                             Options, StrOptions, validate_params)
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import validate_data

__all__ = ["HasMethods", "Interval", "InvalidParameterError", "Options", "StrOptions",
           "_fit_context", "_get_output_config", "validate_data", "validate_params"]
