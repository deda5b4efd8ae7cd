# The C-level interface of the fused Adam step, for the fused STUMP step
# (``sktopo.smear._sampling.BlockStep``).

cdef double adam_active(double *x, const Py_ssize_t *act, Py_ssize_t n, double *x_act,
                        const double *x0_act, double *m, double *v, double *bins,
                        const Py_ssize_t *pos, const Py_ssize_t *pidx, const double *pval,
                        Py_ssize_t n_pulled, double fid_scale, double topo_scale,
                        double beta1, double one_beta1, double beta2, double one_beta2,
                        double inv_sqrt_bc2, double eps, double step) noexcept nogil
