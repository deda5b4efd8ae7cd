"""Feature names of the transformers' outputs (``get_feature_names_out``, ``set_output``)."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["feature_names_out"]


def feature_names_out(estimator, input_features, prefix):
    """Output names of a transformer whose output columns are its input columns.

    The names seen in ``fit`` (``feature_names_in_``) when there were any, else
    ``input_features`` when given, else ``f"{prefix}{i}"`` for ``i < n_features_in_``.
    """
    check_is_fitted(estimator, "n_features_in_")
    seen = getattr(estimator, "feature_names_in_", None)
    if input_features is not None:
        input_features = np.asarray(input_features, dtype=object)
        if input_features.ndim != 1 or len(input_features) != estimator.n_features_in_:
            raise ValueError(f"input_features should have length equal to the number of "
                             f"features seen in fit ({estimator.n_features_in_}), got "
                             f"{len(input_features)}.")
        if seen is not None and not np.array_equal(input_features, seen):
            raise ValueError("input_features is not equal to feature_names_in_.")
        return input_features
    if seen is not None:
        return np.asarray(seen, dtype=object)
    return np.asarray([f"{prefix}{i}" for i in range(estimator.n_features_in_)],
                      dtype=object)
