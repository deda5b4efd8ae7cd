r"""The Adam optimizer in numpy, in place.

Kingma and Ba's update with bias correction, for a gradient :math:`g_t` at step
:math:`t = 1, 2, \dots`:

.. math::

    m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
    v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2,

    x_t = x_{t-1} - \eta \, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}, \qquad
    \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t}

(PyTorch's and the paper's form: :math:`\epsilon` is added to :math:`\sqrt{\hat v_t}`).
This is sktopo's one Adam: :func:`~sktopo.stump_minimize` (whose compiled step of the
common case, ``sktopo.optim._step``, computes the same update) and the estimators use it.
The update is elementwise, so it can run on any subset of the coordinates that carries
its own ``m`` and ``v``; a coordinate whose gradient has always been 0 has
``m = v = 0`` and does not move.
"""

from numbers import Integral, Real

import numpy as np

from ..utils._sklearn_compat import Interval
from ..utils._validation import check_params, validate_params

__all__ = ["Adam", "adam_update"]

_CONSTRAINTS = {
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "beta1": [Interval(Real, 0, 1, closed="left")],
    "beta2": [Interval(Real, 0, 1, closed="left")],
    "eps": [Interval(Real, 0, None, closed="left")],
}


def _check_state(x, grad, m, v):
    """``x``, ``grad``, ``m``, ``v``: writable float64 arrays of one shape; the gradient
    and the moments finite, ``v >= 0``."""
    for name, a in (("x", x), ("grad", grad), ("m", m), ("v", v)):
        if not (isinstance(a, np.ndarray) and a.dtype == np.float64 and a.flags.writeable):
            raise TypeError(f"The {name!r} parameter must be a writable float64 ndarray "
                            f"(it is updated in place), got {type(a).__name__}"
                            f"{'' if not isinstance(a, np.ndarray) else ' of ' + str(a.dtype)}.")
        if a.shape != x.shape:
            raise ValueError(f"The {name!r} parameter must have the shape of x {x.shape}, "
                             f"got {a.shape}.")
    for name, a in (("grad", grad), ("m", m), ("v", v)):
        if not np.isfinite(a).all():
            raise ValueError(f"The {name!r} parameter must be finite.")
    if (v < 0).any():
        raise ValueError("The 'v' parameter (second moments) must be >= 0.")


@validate_params({"x": [np.ndarray], "grad": [np.ndarray], "m": [np.ndarray],
                  "v": [np.ndarray], "t": [Interval(Integral, 1, None, closed="left")],
                  **_CONSTRAINTS})
def adam_update(x, grad, m, v, t, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number ``t`` (1-based), updating ``x``, ``m`` and ``v`` in place.

    ``grad`` is used as scratch space and overwritten. ``x``, ``grad``, ``m`` and ``v``
    are float64 arrays of one shape; ``learning_rate > 0``, ``beta1`` and ``beta2`` in
    ``[0, 1)``, ``eps >= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.optim import adam_update
    >>> x, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
    >>> adam_update(x, np.array([2.0]), m, v, t=1, learning_rate=0.1)
    >>> x        # the first step moves by learning_rate * sign(grad)
    array([0.9])
    """
    _check_state(x, grad, m, v)
    # on copies first: a step that overflows (a huge learning_rate) leaves the state as
    # it was and raises, instead of writing infinities into x
    x1, m1, v1 = x.copy(), m.copy(), v.copy()
    _adam_update(x1, grad, m1, v1, int(t), learning_rate, beta1, beta2, eps)
    if not np.isfinite(x1).all():
        raise ValueError(f"The 'learning_rate' parameter ({learning_rate!r}) makes the Adam "
                         "step overflow; use a smaller one.")
    x[...], m[...], v[...] = x1, m1, v1


def _adam_update(x, grad, m, v, t, learning_rate, beta1, beta2, eps):
    """:func:`adam_update` without the checks (the optimizers' inner loops)."""
    # m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2
    m *= beta1
    m += (1 - beta1) * grad
    grad *= grad
    v *= beta2
    grad *= 1 - beta2
    v += grad
    # x -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)
    np.sqrt(v, out=grad)
    grad *= 1.0 / np.sqrt(1 - beta2 ** t)
    grad += eps
    np.divide(m, grad, out=grad)
    grad *= learning_rate / (1 - beta1 ** t)
    x -= grad


class Adam:
    """Adam state for one array of parameters (numpy, in place).

    Parameters
    ----------
    learning_rate : float, default=1e-3
    beta1 : float, default=0.9
    beta2 : float, default=0.999
    eps : float, default=1e-8

    Attributes
    ----------
    t : int
        Number of steps taken.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.optim import Adam
    >>> x = np.array([3.0, -2.0])
    >>> opt = Adam(learning_rate=0.5)
    >>> for _ in range(200):
    ...     opt.step(x, 2 * x)                 # minimize |x|^2
    >>> bool(np.abs(x).max() < 0.1)
    True
    """

    _parameter_constraints = _CONSTRAINTS

    def __init__(self, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        check_params(self._parameter_constraints, {"learning_rate": learning_rate,
                                                   "beta1": beta1, "beta2": beta2,
                                                   "eps": eps}, "Adam")
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m = None
        self.v = None

    def step(self, x, grad):
        """Move ``x`` in place along the Adam direction of ``grad`` (not modified)."""
        if self.m is None:
            self.m = np.zeros_like(x, dtype=np.float64)
            self.v = np.zeros_like(x, dtype=np.float64)
        grad = np.array(grad, dtype=np.float64)
        _check_state(x, grad, self.m, self.v)
        self.t += 1
        _adam_update(x, grad, self.m, self.v, self.t, self.learning_rate, self.beta1,
                     self.beta2, self.eps)


class _ActiveAdam:
    """Adam on the compact set of active coordinates of the flat iterate ``x``.

    A coordinate whose gradient has always been 0 has zero moments and a zero fidelity
    gradient, so it stays at ``x0``: Adam runs on the coordinates that ever received a
    gradient (the dense update, computed on fewer coordinates).
    """

    def __init__(self, x, x0, learning_rate, beta1, beta2, eps, bounds):
        self.x, self.x0 = x, x0
        self.params = (learning_rate, beta1, beta2, eps)
        self.low, self.high = bounds
        self.pos = np.full(x.size, -1, dtype=np.intp)
        self.load(np.empty(0, dtype=np.intp), *(np.empty(0) for _ in range(4)))

    def load(self, act, x_act, x0_act, m, v):
        """Set the active set (from the compiled step's ``state()``)."""
        self.act, self.x_act, self.x0_act, self.m, self.v = act, x_act, x0_act, m, v
        self.pos[act] = np.arange(act.size)

    def activate(self, idx):
        """The coordinates ``idx`` receiving a gradient for the first time join."""
        new = idx[self.pos[idx] < 0]
        if new.size:
            new = np.unique(new)
            self.pos[new] = np.arange(self.act.size, self.act.size + new.size)
            self.act = np.concatenate([self.act, new])
            self.x_act = np.concatenate([self.x_act, self.x[new]])
            self.x0_act = np.concatenate([self.x0_act, self.x0[new]])
            self.m = np.concatenate([self.m, np.zeros(new.size)])
            self.v = np.concatenate([self.v, np.zeros(new.size)])

    def scatter(self, idx, vals):
        """A sparse gradient on the active coordinates (dense over them)."""
        return np.bincount(self.pos[idx], vals, minlength=self.act.size)

    def step(self, grad, it):
        _adam_update(self.x_act, grad, self.m, self.v, it, *self.params)
        np.clip(self.x_act, self.low, self.high, out=self.x_act)
        self.x[self.act] = self.x_act
