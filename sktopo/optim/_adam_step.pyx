# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""One STUMP step on the active coordinates in one compiled pass (private).

``mse_adam_step`` fuses what the numpy loop of :func:`~sktopo.optim.stump_minimize` does
in about fifteen array passes for the mean squared error fidelity: the fidelity value and
gradient, the scatter-add of the sparse topological gradient (``np.bincount``), the Adam
update of :func:`~sktopo.optim.adam_update` and the copy of the moved coordinates into the
full iterate. Every float64 operation is the one the numpy code does, in the same order,
and each is correctly rounded (IEEE add, multiply, divide, square root; the module is built
with ``-ffp-contract=off``: no fused multiply-add, and ``-fno-math-errno`` so that the
square roots vectorize), so the iterates are the same to the bit; only the sum of the
squared differences (the reported fidelity value) adds up in another order.

Only typed memoryviews are used (no numpy C-API).
"""

cdef extern from *:
    """
    #include <math.h>
    #if defined(_MSC_VER)
    #define SKTOPO_RESTRICT __restrict
    #else
    #define SKTOPO_RESTRICT __restrict__
    #endif
    /* an AVX2 clone, picked at load time when the CPU has it (GCC's function
       multiversioning): no fused multiply-add either, so the same numbers */
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define SKTOPO_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define SKTOPO_CLONES
    #endif
    /* the dense part on the active coordinates; the arrays do not overlap */
    SKTOPO_CLONES static double sktopo_adam_dense(Py_ssize_t n, double *SKTOPO_RESTRICT x_act,
            const double *SKTOPO_RESTRICT x0_act, double *SKTOPO_RESTRICT m,
            double *SKTOPO_RESTRICT v, double *SKTOPO_RESTRICT bins, double fid_scale,
            double topo_scale, double beta1, double one_beta1, double beta2,
            double one_beta2, double inv_sqrt_bc2, double eps, double step)
    {
        double t0 = 0.0, t1 = 0.0, t2 = 0.0, t3 = 0.0;
        Py_ssize_t i;
        for (i = 0; i + 3 < n; i += 4) {    /* sum of squares, four accumulators */
            double d0 = x_act[i] - x0_act[i], d1 = x_act[i + 1] - x0_act[i + 1];
            double d2 = x_act[i + 2] - x0_act[i + 2], d3 = x_act[i + 3] - x0_act[i + 3];
            t0 += d0 * d0;
            t1 += d1 * d1;
            t2 += d2 * d2;
            t3 += d3 * d3;
        }
        for (; i < n; i++) {
            double d = x_act[i] - x0_act[i];
            t0 += d * d;
        }
        for (i = 0; i < n; i++) {
            /* grad = diff * (2 w / n); grad += bincount * (alpha / n_draws) */
            double g = (x_act[i] - x0_act[i]) * fid_scale + bins[i] * topo_scale;
            double mi, vi, g2, s;
            bins[i] = 0.0;
            /* m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2, adam_update's order */
            mi = m[i] * beta1;
            mi = mi + one_beta1 * g;
            g2 = g * g;
            vi = v[i] * beta2;
            g2 = g2 * one_beta2;
            vi = vi + g2;
            m[i] = mi;
            v[i] = vi;
            /* x -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
            s = sqrt(vi);
            s = s * inv_sqrt_bc2;
            s = s + eps;
            s = mi / s;
            s = s * step;
            x_act[i] = x_act[i] - s;
        }
        return (t0 + t1) + (t2 + t3);
    }
    """
    double sktopo_adam_dense(Py_ssize_t n, double *x_act, const double *x0_act, double *m,
                             double *v, double *bins, double fid_scale, double topo_scale,
                             double beta1, double one_beta1, double beta2,
                             double one_beta2, double inv_sqrt_bc2, double eps,
                             double step) noexcept nogil


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
    ``bins`` is scratch space of at least ``len(act)`` zeros, left zero. ``x_act``,
    ``x0_act``, ``m``, ``v`` and ``bins`` must not overlap, and ``act`` must hold distinct
    indices into ``x`` (not checked: the active set is built by the caller).
    """
    cdef Py_ssize_t n = act.shape[0], n_pulled = pidx.shape[0], i, j, k
    cdef Py_ssize_t n_pos = pos.shape[0]
    cdef double total = 0.0
    if (x.shape[0] < n or x_act.shape[0] != n or x0_act.shape[0] != n or m.shape[0] != n
            or v.shape[0] != n or bins.shape[0] < n or pval.shape[0] != n_pulled):
        raise ValueError("mse_adam_step: inconsistent array lengths.")
    for j in range(n_pulled):                  # check first: nothing moves on bad input
        k = pidx[j]
        if k < 0 or k >= n_pos or pos[k] < 0 or pos[k] >= n:
            raise ValueError("mse_adam_step: a pulled index is not active.")
    if n == 0:
        return total
    with nogil:
        total = adam_active(&x[0], &act[0], n, &x_act[0], &x0_act[0], &m[0], &v[0],
                            &bins[0], &pos[0], &pidx[0] if n_pulled else NULL,
                            &pval[0] if n_pulled else NULL, n_pulled, fid_scale,
                            topo_scale, beta1, one_beta1, beta2, one_beta2, inv_sqrt_bc2,
                            eps, step)
    return total


cdef double adam_active(double *x, const Py_ssize_t *act, Py_ssize_t n, double *x_act,
                        const double *x0_act, double *m, double *v, double *bins,
                        const Py_ssize_t *pos, const Py_ssize_t *pidx, const double *pval,
                        Py_ssize_t n_pulled, double fid_scale, double topo_scale,
                        double beta1, double one_beta1, double beta2, double one_beta2,
                        double inv_sqrt_bc2, double eps, double step) noexcept nogil:
    """The pass of :func:`mse_adam_step` on ``n > 0`` active coordinates (unchecked)."""
    cdef Py_ssize_t i, j
    cdef double total
    for j in range(n_pulled):              # np.bincount: in order, from 0.0
        bins[pos[pidx[j]]] += pval[j]
    total = sktopo_adam_dense(n, x_act, x0_act, m, v, bins, fid_scale, topo_scale, beta1,
                              one_beta1, beta2, one_beta2, inv_sqrt_bc2, eps, step)
    for i in range(n):
        x[act[i]] = x_act[i]
    return total
