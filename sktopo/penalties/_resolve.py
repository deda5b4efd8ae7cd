"""From the ``penalty`` parameter of an estimator (a name, a dict or an object) to a Penalty."""

from collections.abc import Mapping

from ..utils._validation import check_option
from ._norms import L1Penalty, L2Penalty, Penalty, TV2Penalty, TVPenalty
from ._topological import TopologicalPenalty

__all__ = ["PENALTY_NAMES", "make_penalty"]

PENALTY_NAMES = ("top1", "top2", "l1", "l2", "tv", "tv2")
_TOP_I0 = {"top1": 2, "top2": 4}
_DICT_KEYS = ("i0", "n_kept", "p", "q")


def make_penalty(penalty, filtration="clusters", coef_shape=None):
    """Build the penalty an estimator's ``penalty`` parameter describes.

    Parameters
    ----------
    penalty : str, dict or Penalty
        A name among ``"top1"`` (E(1, 0, 2)), ``"top2"`` (E(1, 0, 4)), ``"l1"``, ``"l2"``,
        ``"tv"``, ``"tv2"``; a dict with keys among ``"i0"`` (int, or ``{dim: i0}`` for the
        image filtration), ``"n_kept"`` (the number of clusters / maxima left free, i.e.
        ``i0 = n_kept + 1``), ``"p"``, ``"q"``; or a :class:`Penalty` used as is (a
        :class:`TopologicalPenalty` keeps its own filtration).
    filtration : {"clusters", "line", "image"}, default="clusters"
        Filtration of the topological penalties given by name or dict. The norms ignore it
        (TV and TV2 always use the line of feature indices).
    coef_shape : tuple of int, default=None
        Shape of the coefficient image (``"image"``).

    Returns
    -------
    penalty : Penalty

    Examples
    --------
    >>> from sktopo.penalties import make_penalty
    >>> make_penalty("top2", "line")
    TopologicalPenalty(i0=4, p=1, q=0, filtration='line', shape=None)
    >>> make_penalty({"n_kept": 3, "p": 2})
    TopologicalPenalty(i0=4, p=2, q=0, filtration='clusters', shape=None)
    """
    if isinstance(penalty, Penalty):
        if isinstance(penalty, TopologicalPenalty) and penalty.shape is None \
                and coef_shape is not None:
            return TopologicalPenalty(penalty.i0, p=penalty.p, q=penalty.q,
                                      filtration=penalty.filtration, shape=coef_shape)
        return penalty
    shape = None if coef_shape is None else tuple(coef_shape)
    if isinstance(penalty, Mapping):
        unknown = set(penalty) - set(_DICT_KEYS)
        if unknown:
            raise ValueError(f"Unknown keys {sorted(unknown)} in the 'penalty' dict; allowed "
                             f"keys are {list(_DICT_KEYS)}.")
        if "i0" in penalty and "n_kept" in penalty:
            raise ValueError("Give either 'i0' or 'n_kept' in the 'penalty' dict, not both.")
        if "n_kept" in penalty:
            top = TopologicalPenalty.keeping(penalty["n_kept"], filtration=filtration,
                                             shape=shape)
            i0 = top.i0
        else:
            i0 = penalty.get("i0", 2)
        out = TopologicalPenalty(i0, p=penalty.get("p", 1), q=penalty.get("q", 0),
                                 filtration=filtration, shape=shape)
        out._check()
        return out
    check_option(penalty, "penalty", PENALTY_NAMES)
    if penalty in _TOP_I0:
        return TopologicalPenalty(_TOP_I0[penalty], filtration=filtration, shape=shape)
    return {"l1": L1Penalty, "l2": L2Penalty, "tv": TVPenalty, "tv2": TV2Penalty}[penalty]()
