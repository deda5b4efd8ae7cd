r"""The Adam optimizer in numpy, in place.

Kingma and Ba's update with bias correction, for a gradient :math:`g_t` at step
:math:`t = 1, 2, \dots`:

.. math::

    m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
    v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2,

    x_t = x_{t-1} - \eta \, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}, \qquad
    \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t}

(PyTorch's and the paper's form: :math:`\epsilon` is added to :math:`\sqrt{\hat v_t}`).
The update is elementwise, so it can run on any subset of the coordinates that carries
its own ``m`` and ``v``; a coordinate whose gradient has always been 0 has
``m = v = 0`` and does not move.
"""

import numpy as np

from ..utils._validation import check_scalar

from . import _adam_step

__all__ = ["Adam", "adam_update"]


def adam_update(x, grad, m, v, t, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number ``t`` (1-based), updating ``x``, ``m`` and ``v`` in place.

    ``grad`` is used as scratch space and overwritten.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.optim import adam_update
    >>> x, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
    >>> adam_update(x, np.array([2.0]), m, v, t=1, learning_rate=0.1)
    >>> x        # the first step moves by learning_rate * sign(grad)
    array([0.9])
    """
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


def _mse_adam_step(x, act, x_act, x0_act, m, v, bins, pos, pidx, pval, n_total, weight,
                   topo_scale, t, learning_rate, beta1, beta2, eps, compiled=True):
    """One STUMP step on the active coordinates ``act`` with the mse fidelity (private).

    ``grad = 2 weight (x_act - x0_act) / n_total + topo_scale * bincount(pos[pidx], pval)``,
    then :func:`adam_update` on ``x_act``, ``m``, ``v`` and ``x[act] = x_act``, all in place;
    returns the fidelity value ``sum((x_act - x0_act)^2) / n_total``. The compiled kernel
    (one pass, ``bins``: scratch of at least ``len(act)`` zeros) gives the same iterates
    to the bit as the numpy code; its fidelity value sums in another order (to ~1e-16).
    """
    if compiled and _adam_step is not None:
        # the scalars exactly as adam_update computes them
        pidx = np.ascontiguousarray(pidx, dtype=np.intp)
        pval = np.ascontiguousarray(pval, dtype=np.float64)
        total = _adam_step.mse_adam_step(
            x, act, x_act, x0_act, m, v, bins, pos, pidx, pval, 2.0 * weight / n_total,
            topo_scale, beta1, 1 - beta1, beta2, 1 - beta2, 1.0 / np.sqrt(1 - beta2 ** t),
            eps, learning_rate / (1 - beta1 ** t))
        return total / n_total
    diff = x_act - x0_act
    # einsum, not BLAS (diff @ diff): waking BLAS threads on a busy machine costs
    # milliseconds per step, much more than the sum itself
    value = float(np.einsum("i,i->", diff, diff)) / n_total
    grad = diff * (2.0 * weight / n_total)
    grad += np.bincount(pos[pidx], pval, minlength=act.size) * topo_scale
    adam_update(x_act, grad, m, v, t, learning_rate, beta1, beta2, eps)
    x[act] = x_act
    return value


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

    def __init__(self, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        check_scalar(learning_rate, "learning_rate", low=0, include_low=False)
        check_scalar(beta1, "beta1", low=0, high=1)
        check_scalar(beta2, "beta2", low=0, high=1)
        check_scalar(eps, "eps", low=0)
        if beta1 == 1 or beta2 == 1:
            raise ValueError("The 'beta1' and 'beta2' parameters must be < 1.")
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
        self.t += 1
        adam_update(x, np.array(grad, dtype=np.float64), self.m, self.v, self.t,
                    self.learning_rate, self.beta1, self.beta2, self.eps)
