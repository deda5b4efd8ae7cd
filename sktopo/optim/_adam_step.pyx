# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""One STUMP step on the active coordinates in one compiled pass (private).

``mse_adam_step`` fuses what the numpy loop of :func:`~sktopo.optim.stump_minimize` does
in about fifteen array passes for the mean squared error fidelity: the fidelity value and
gradient, the scatter-add of the sparse topological gradient (``np.bincount``), the Adam
update of :func:`~sktopo.optim.adam_update` and the copy of the moved coordinates into the
full iterate. Every float64 operation is the one the numpy code does, in the same order
(the module is built with ``-ffp-contract=off``: no fused multiply-add), so the iterates are
the same to the bit; only the sum of the squared differences (the reported fidelity value)
adds up in another order.

Only typed memoryviews are used (no numpy C-API).
"""

from libc.math cimport sqrt


def mse_adam_step(double[::1] x, const Py_ssize_t[::1] act, double[::1] x_act,
                  const double[::1] x0_act, double[::1] m, double[::1] v,
                  double[::1] bins, const Py_ssize_t[::1] pos,
                  const Py_ssize_t[::1] pidx, const double[::1] pval,
                  double fid_scale, double topo_scale, double beta1, double one_beta1,
                  double beta2, double one_beta2, double inv_sqrt_bc2, double eps,
                  double step):
    """Move ``x_act`` (and ``x[act]``), ``m`` and ``v`` in place; return sum((x - x0)^2).

    ``grad = (x_act - x0_act) * fid_scale + bincount(pos[pidx], pval) * topo_scale``, then
    Adam with the scalars of :func:`~sktopo.optim.adam_update` computed by the caller
    (``inv_sqrt_bc2 = 1 / sqrt(1 - beta2^t)``, ``step = learning_rate / (1 - beta1^t)``).
    ``bins`` is scratch space of at least ``len(act)`` zeros, left zero.
    """
    cdef Py_ssize_t n = act.shape[0], n_pulled = pidx.shape[0], i, j, k
    cdef Py_ssize_t n_pos = pos.shape[0], n_x = x.shape[0]
    cdef double diff, g, g2, s, total = 0.0
    if (x_act.shape[0] != n or x0_act.shape[0] != n or m.shape[0] != n
            or v.shape[0] != n or bins.shape[0] < n or pval.shape[0] != n_pulled):
        raise ValueError("mse_adam_step: inconsistent array lengths.")
    for j in range(n_pulled):                  # check first: nothing moves on bad input
        k = pidx[j]
        if k < 0 or k >= n_pos or pos[k] < 0 or pos[k] >= n:
            raise ValueError("mse_adam_step: a pulled index is not active.")
    for i in range(n):
        if act[i] < 0 or act[i] >= n_x:
            raise ValueError("mse_adam_step: an active index is out of range.")
    with nogil:
        for j in range(n_pulled):              # np.bincount: in order, from 0.0
            bins[pos[pidx[j]]] += pval[j]
        for i in range(n):
            diff = x_act[i] - x0_act[i]
            total += diff * diff
            # grad = diff * (2 w / n); grad += bincount * (alpha / n_draws)
            g = diff * fid_scale + bins[i] * topo_scale
            bins[i] = 0.0
            # m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2  (adam_update's order)
            m[i] = m[i] * beta1
            m[i] = m[i] + one_beta1 * g
            g2 = g * g
            v[i] = v[i] * beta2
            g2 = g2 * one_beta2
            v[i] = v[i] + g2
            s = sqrt(v[i])
            s = s * inv_sqrt_bc2
            s = s + eps
            s = m[i] / s
            s = s * step
            x_act[i] = x_act[i] - s
            x[act[i]] = x_act[i]
    return total
