# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""One STUMP step of the common case in one compiled call (private).

The common case of :func:`~sktopo.optim.stump_minimize`: 2-D block pooling
(``sktopo.smear._pool2d``) with one approximate per step, W1 or W2 norms of its cubical
H0/H1 diagrams (the pairing kernel of ``sktopo.persistence._pairing`` computes the terms
from its pairs), the mse fidelity and Adam on the active pixels. The general Python loop
of ``stump_minimize`` does the same with the public objects (``BlockPooling.sample`` and
``pullback``, the bound loss, :func:`~sktopo.optim.adam_update`); the two agree to
rounding (tests compare them with ``assert_allclose``).

Adam runs on the compact set of pixels that ever received a topological gradient: the
others have zero moments and a zero fidelity gradient, so they stay at ``x0``. The active
set only grows, in place (room for every pixel is reserved: untouched pages are not
committed by the OS), so that a job of the next approximate may read its head while the
step appends to it.

Prefetching: the part of an approximate that does not depend on the iterate (its random
bits and the block sums of ``x0 + h``, see ``run_job``) may run ahead, while the current
approximate is paired, in one worker thread that runs without the GIL: the step posts the
job by releasing a lock (``go``) and waits for it on another (``done``), so the worker
sleeps between jobs and needs no GIL (a ``concurrent.futures`` future costs more than the
job here: the worker thread would take the GIL twice per job). Without the worker the job
runs inline at the start of the next step. The numbers are the same either way.
"""

from cpython.pythread cimport (PyThread_acquire_lock, PyThread_allocate_lock,
                               PyThread_free_lock, PyThread_release_lock,
                               PyThread_type_lock, WAIT_LOCK)
from libc.math cimport INFINITY, pow, sqrt
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, qsort

from ..persistence._pairing cimport ImageWorkspace, NormParams, image_terms
from ..persistence._workspace cimport workspace_free
from ..smear._pool2d cimport PoolJob, finish_c, pool_rows, pullback_c, run_job

cdef extern from *:
    """
    /* an AVX2 clone, picked at load time when the CPU has it (GCC's function
       multiversioning) */
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define SKTOPO_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define SKTOPO_CLONES
    #endif
    /* the mse fidelity and Adam on the n active coordinates, bins holding the scattered
       topological gradient (left zero); returns sum (x - x0)^2. The arrays do not overlap */
    SKTOPO_CLONES static double sktopo_adam_dense(Py_ssize_t n, double *restrict x_act,
            const double *restrict x0_act, double *restrict m, double *restrict v,
            double *restrict bins, double fid_scale, double topo_scale, double beta1,
            double beta2, double inv_sqrt_bc2, double eps, double step)
    {
        double total = 0.0;
        for (Py_ssize_t i = 0; i < n; i++) {
            double d = x_act[i] - x0_act[i];
            double g = d * fid_scale + bins[i] * topo_scale;
            double mi = beta1 * m[i] + (1.0 - beta1) * g;
            double vi = beta2 * v[i] + (1.0 - beta2) * g * g;
            total += d * d;
            bins[i] = 0.0;
            m[i] = mi;
            v[i] = vi;
            /* x -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
            x_act[i] -= step * mi / (sqrt(vi) * inv_sqrt_bc2 + eps);
        }
        return total;
    }
    """
    double sktopo_adam_dense(Py_ssize_t n, double *x_act, const double *x0_act, double *m,
                             double *v, double *bins, double fid_scale, double topo_scale,
                             double beta1, double beta2, double inv_sqrt_bc2, double eps,
                             double step) noexcept nogil


cdef int compare_index(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *> a)[0]
    cdef int64_t y = (<const int64_t *> b)[0]
    return (x > y) - (x < y)


cdef void *alloc(Py_ssize_t n, size_t item) except NULL:
    cdef void *p = malloc((n if n > 0 else 1) * item)
    if p == NULL:
        raise MemoryError()
    return p


cdef class BlockStep:
    """The STUMP step of the common case (see the module docstring; private).

    ``x`` is the optimizer's flat float64 iterate, moved in place; ``x0`` its start, of
    ``shape``. ``block`` the block size, ``offset`` None (a random grid offset per
    approximate) or ``(oy, ox)``, ``mode`` the weights (0 average, 1 normalized uniforms,
    2 Dirichlet). ``norms``: one ``(min, max, p, low, high)`` tuple or None for H0 and
    for H1; ``side`` 0 both, 1 births, 2 deaths. ``low``, ``high``: bounds on the iterate
    (projected Adam). ``threaded``: run the job of the next approximate in a worker
    thread (see the module docstring), else inline.

    ``step(it)`` takes Adam step number ``it`` and returns the sampled objective
    ``alpha * topo + (1 - alpha) * mse``; it reads two random 64-bit words per
    approximate from those given to ``feed`` (the seed of the pixels' bits, and the grid
    offset), as :meth:`sktopo.smear.BlockPooling.sample` does.
    """
    cdef object x_arr, x0_arr, thread
    cdef PyThread_type_lock go
    cdef PyThread_type_lock done
    cdef bint pending, stop
    cdef double *x
    cdef const double *x0
    cdef Py_ssize_t H, W, n_total, ky, kx, oy_fixed, ox_fixed, n_words, max_blocks
    cdef bint random_offset, full, superlevel, clip, posted, ready
    cdef double eps, alpha, lr, beta1, beta2, adam_eps, low, high
    cdef int mode, side, cur
    cdef PoolJob jobs[2]
    cdef uint64_t *raw
    cdef Py_ssize_t raw_n, raw_pos
    cdef double *pooled
    cdef double *neg
    cdef double *row_t
    cdef ImageWorkspace ws
    cdef NormParams norms[2]
    cdef int64_t *pidx
    cdef double *pval
    cdef int64_t *fresh
    cdef Py_ssize_t p_capacity
    cdef int64_t *pos
    cdef int64_t *act
    cdef double *x_act
    cdef double *x0_act
    cdef double *m
    cdef double *v
    cdef double *bins
    cdef Py_ssize_t n_act

    def __cinit__(self, double[::1] x, const double[::1] x0, tuple shape, tuple block,
                  offset, double eps, int mode, bint full, bint superlevel, tuple norms,
                  int side, double alpha, double learning_rate, double beta1, double beta2,
                  double adam_eps, double low=-INFINITY, double high=INFINITY,
                  bint threaded=False):
        cdef Py_ssize_t i
        cdef int k
        cdef PoolJob *job
        if sizeof(Py_ssize_t) != sizeof(int64_t):
            raise NotImplementedError("BlockStep needs 64-bit indices.")
        self.H, self.W = shape
        self.ky, self.kx = block
        self.n_total = self.H * self.W
        if x.shape[0] != self.n_total or x0.shape[0] != self.n_total:
            raise ValueError("BlockStep: x and x0 must have H * W values.")
        self.x_arr, self.x0_arr = x, x0                  # (kept alive)
        self.x = &x[0]
        self.x0 = &x0[0]
        self.random_offset = offset is None
        if not self.random_offset:
            self.oy_fixed, self.ox_fixed = offset
        self.eps, self.mode, self.full, self.superlevel = eps, mode, full, superlevel
        self.side = side
        self.alpha, self.lr, self.beta1, self.beta2 = alpha, learning_rate, beta1, beta2
        self.adam_eps, self.low, self.high = adam_eps, low, high
        self.clip = low > -INFINITY or high < INFINITY
        for k in range(2):
            p = norms[k]
            self.norms[k].on = p is not None
            if p is not None:
                (self.norms[k].min_p, self.norms[k].max_p, self.norms[k].p,
                 self.norms[k].low, self.norms[k].high) = p
                if self.norms[k].p != 1.0 and self.norms[k].p != 2.0:
                    raise ValueError("BlockStep: norms need p 1 or 2.")
        # the largest pooled shape, over the offsets
        self.max_blocks = (((self.H + 2 * self.ky - 2) // self.ky)
                           * ((self.W + 2 * self.kx - 2) // self.kx))
        self.n_words = (self.n_total + 7) // 8 * 4
        for k in range(2):
            job = &self.jobs[k]
            job.words = <uint64_t *> alloc(self.n_words, sizeof(uint64_t))
            job.n_words = self.n_words
            job.x0 = self.x0
            job.H, job.W, job.ky, job.kx = self.H, self.W, self.ky, self.kx
            job.eps, job.mode = eps, mode
            job.out = <double *> alloc(self.max_blocks, sizeof(double))
            job.total = <double *> alloc(self.max_blocks, sizeof(double))
            job.known = <double *> alloc(self.n_total, sizeof(double))
            job.blocks = <int32_t *> alloc(self.n_total, sizeof(int32_t))
            job.row_t = <double *> alloc(2 * self.W, sizeof(double))
            job.tables = <int32_t *> alloc(self.H + self.W, sizeof(int32_t))
        self.pooled = <double *> alloc(self.max_blocks, sizeof(double))
        self.neg = <double *> alloc(self.max_blocks, sizeof(double))
        self.row_t = <double *> alloc(2 * self.W, sizeof(double))
        self.raw = <uint64_t *> alloc(1024, sizeof(uint64_t))
        self.pos = <int64_t *> alloc(self.n_total, sizeof(int64_t))
        self.act = <int64_t *> alloc(self.n_total, sizeof(int64_t))
        self.x_act = <double *> alloc(self.n_total, sizeof(double))
        self.x0_act = <double *> alloc(self.n_total, sizeof(double))
        self.m = <double *> alloc(self.n_total, sizeof(double))
        self.v = <double *> alloc(self.n_total, sizeof(double))
        self.bins = <double *> alloc(self.n_total, sizeof(double))
        for k in range(2):
            self.jobs[k].act = self.act
        for i in range(self.n_total):
            self.pos[i] = -1
        if threaded:
            self._start()

    cdef int _start(self) except -1:
        """Start the worker: both locks start taken, and are released to signal."""
        import threading
        self.go = PyThread_allocate_lock()
        self.done = PyThread_allocate_lock()
        if self.go == NULL or self.done == NULL:
            raise MemoryError()
        PyThread_acquire_lock(self.go, WAIT_LOCK)
        PyThread_acquire_lock(self.done, WAIT_LOCK)
        self.thread = threading.Thread(target=self._loop, name="sktopo-prefetch",
                                       daemon=True)
        self.thread.start()
        return 0

    def _loop(self):
        """The worker: wait for a job, run it, signal; until ``stop``."""
        with nogil:
            while True:
                PyThread_acquire_lock(self.go, WAIT_LOCK)
                if self.stop:
                    break
                run_job(&self.jobs[self.cur])
                PyThread_release_lock(self.done)

    def __dealloc__(self):
        cdef int k
        if self.go != NULL:
            PyThread_free_lock(self.go)
        if self.done != NULL:
            PyThread_free_lock(self.done)
        for k in range(2):
            free(self.jobs[k].words)
            free(self.jobs[k].out)
            free(self.jobs[k].total)
            free(self.jobs[k].known)
            free(self.jobs[k].blocks)
            free(self.jobs[k].row_t)
            free(self.jobs[k].tables)
        free(self.pooled)
        free(self.neg)
        free(self.row_t)
        free(self.raw)
        free(self.pidx)
        free(self.pval)
        free(self.fresh)
        free(self.pos)
        free(self.act)
        free(self.x_act)
        free(self.x0_act)
        free(self.m)
        free(self.v)
        free(self.bins)
        workspace_free(&self.ws)

    @property
    def raw_left(self):
        """Random words given to ``feed`` and not used yet."""
        return self.raw_n - self.raw_pos

    def feed(self, const uint64_t[::1] words):
        """Queue random 64-bit words (two per approximate), after those left."""
        cdef Py_ssize_t left = self.raw_n - self.raw_pos, i
        if left + words.shape[0] > 1024:
            raise ValueError("BlockStep.feed: at most 1024 words queued.")
        for i in range(left):
            self.raw[i] = self.raw[self.raw_pos + i]
        for i in range(words.shape[0]):
            self.raw[left + i] = words[i]
        self.raw_pos, self.raw_n = 0, left + words.shape[0]

    cdef int _post(self, int k) except -1:
        """Draw the next approximate into job ``k`` (as ``BlockPooling.sample`` draws)."""
        cdef uint64_t seed = self.raw[self.raw_pos], word = self.raw[self.raw_pos + 1]
        cdef PoolJob *job = &self.jobs[k]
        self.raw_pos += 2
        job.seed = seed
        if self.random_offset:
            # 16 bits per axis: (bits * k) >> 16 is uniform in 0 .. k - 1 up to 2**-16
            job.oy = <Py_ssize_t> (((word & 0xFFFF) * <uint64_t> self.ky) >> 16)
            job.ox = <Py_ssize_t> ((((word >> 16) & 0xFFFF) * <uint64_t> self.kx) >> 16)
        else:
            job.oy, job.ox = self.oy_fixed, self.ox_fixed
        job.ny = (self.H + job.oy + self.ky - 1) // self.ky
        job.nx = (self.W + job.ox + self.kx - 1) // self.kx
        # few moved pixels: pool x0 ahead and correct later; many: pool x itself later
        job.sums = 4 * self.n_act <= self.n_total
        job.n_known = self.n_act if job.sums else 0
        return 0

    cdef int _reserve(self, Py_ssize_t n) except -1:
        if n <= self.p_capacity:
            return 0
        free(self.pidx)
        free(self.pval)
        free(self.fresh)
        self.pidx = self.fresh = NULL
        self.pval = NULL
        self.p_capacity = 0
        self.pidx = <int64_t *> alloc(2 * n, sizeof(int64_t))
        self.pval = <double *> alloc(2 * n, sizeof(double))
        self.fresh = <int64_t *> alloc(2 * n, sizeof(int64_t))
        self.p_capacity = 2 * n
        return 0

    cdef int _approximate(self) except -1:
        """The approximate of job ``cur`` into ``pooled``; posts (and may start) the job
        of the next one."""
        cdef int k
        cdef PoolJob *job
        if not self.posted:
            self._post(0)
            self.cur, self.posted, self.ready = 0, True, False
        k = self.cur
        if self.pending:
            with nogil:
                PyThread_acquire_lock(self.done, WAIT_LOCK)
            self.pending = False
        elif not self.ready:
            with nogil:
                run_job(&self.jobs[k])
        job = &self.jobs[k]
        with nogil:
            if job.sums:
                finish_c(job, self.n_act, self.x_act, self.x0_act, self.pooled)
            else:
                pool_rows(self.x, self.H, self.W, self.ky, self.kx, job.oy, job.ox,
                          self.eps, self.mode, <const uint32_t *> job.words, self.pooled,
                          job.total, job.ny, job.nx, True, self.row_t)
        # the job of the next approximate runs while this one is paired
        self.cur = 1 - k
        self._post(self.cur)
        self.ready = False
        if self.thread is not None:
            self.pending = True
            PyThread_release_lock(self.go)
        return k

    cdef Py_ssize_t _activate(self, Py_ssize_t n_pulled) noexcept nogil:
        """The pixels receiving a gradient for the first time join the active set, in
        increasing order."""
        cdef Py_ssize_t j, i, p, n_new = 0
        for j in range(n_pulled):
            p = self.pidx[j]
            if self.pos[p] == -1:
                self.pos[p] = -2
                self.fresh[n_new] = p
                n_new += 1
        if n_new > 1:
            qsort(self.fresh, n_new, sizeof(int64_t), compare_index)
        for j in range(n_new):
            p = self.fresh[j]
            i = self.n_act
            self.pos[p] = i
            self.act[i] = p
            self.x_act[i] = self.x[p]
            self.x0_act[i] = self.x0[p]
            self.m[i] = 0.0
            self.v[i] = 0.0
            self.bins[i] = 0.0
            self.n_act = i + 1
        return n_new

    cdef double _adam(self, Py_ssize_t n_pulled, Py_ssize_t it) noexcept nogil:
        """Scatter the pulled gradient, take the Adam step on the active set, copy it
        into ``x``; returns sum (x - x0)^2."""
        cdef Py_ssize_t j, i
        cdef double u, fid
        for j in range(n_pulled):
            self.bins[self.pos[self.pidx[j]]] += self.pval[j]
        fid = sktopo_adam_dense(self.n_act, self.x_act, self.x0_act, self.m, self.v,
                                self.bins, 2.0 * (1.0 - self.alpha) / self.n_total,
                                self.alpha, self.beta1, self.beta2,
                                1.0 / sqrt(1.0 - pow(self.beta2, <double> it)),
                                self.adam_eps, self.lr / (1.0 - pow(self.beta1, <double> it)))
        for i in range(self.n_act):
            u = self.x_act[i]
            if self.clip:
                # projected Adam: the values clipped to [low, high]
                u = self.low if u < self.low else u
                u = self.high if u > self.high else u
                self.x_act[i] = u
            self.x[self.act[i]] = u
        return fid

    def step(self, Py_ssize_t it):
        """Adam step number ``it`` on a new approximate; returns the sampled objective."""
        cdef int k
        cdef Py_ssize_t i, count, n_pulled, size
        cdef double topo = 0.0, fid = 0.0
        cdef const double *f
        cdef PoolJob *job
        if self.raw_n - self.raw_pos < (2 if self.posted else 4):
            raise RuntimeError("BlockStep.step: feed random words first.")
        k = self._approximate()
        job = &self.jobs[k]
        size = job.ny * job.nx
        f = self.pooled
        if self.superlevel:
            for i in range(size):
                self.neg[i] = -self.pooled[i]
            f = self.neg
        with nogil:
            count = image_terms(&self.ws, f, job.ny, job.nx, self.full, self.norms,
                                self.pooled, self.side, &topo)
        if count < 0:
            raise MemoryError()
        self._reserve(count * self.ky * self.kx)
        with nogil:
            n_pulled = pullback_c(self.ws.idx, self.ws.val, count, self.H, self.W, self.ky,
                                  self.kx, job.oy, job.ox, self.mode,
                                  <const uint32_t *> job.words, job.total, job.nx,
                                  self.pidx, self.pval)
            self._activate(n_pulled)
            if self.n_act:
                fid = self._adam(n_pulled, it)
        return self.alpha * topo + (1.0 - self.alpha) * (fid / self.n_total)

    def state(self):
        """Copies of the active set: ``(act, x_act, x0_act, m, v)`` (act as intp)."""
        import numpy as np
        cdef Py_ssize_t n = self.n_act
        if n == 0:
            return (np.empty(0, dtype=np.intp),) + tuple(np.empty(0) for _ in range(4))
        return (np.asarray(<int64_t[:n]> self.act).astype(np.intp),
                np.array(<double[:n]> self.x_act), np.array(<double[:n]> self.x0_act),
                np.array(<double[:n]> self.m), np.array(<double[:n]> self.v))

    def close(self):
        """Wait for the job in flight and stop the worker."""
        if self.pending:
            with nogil:
                PyThread_acquire_lock(self.done, WAIT_LOCK)
            self.pending = False
        if self.thread is not None:
            self.stop = True
            PyThread_release_lock(self.go)
            self.thread.join()
            self.thread = None
