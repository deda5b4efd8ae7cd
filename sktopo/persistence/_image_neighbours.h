/* Inline helpers of the 2-D union-find (sktopo/persistence/_pairing.pyx). */
#ifndef SKTOPO_IMAGE_NEIGHBOURS_H
#define SKTOPO_IMAGE_NEIGHBOURS_H

static inline int sktopo_ceil_pow2(int size) {
    /* the smallest power of two at least size (1 for 0 and 1) */
    return size <= 1 ? 1 : 1 << (32 - __builtin_clz((unsigned) (size - 1)));
}
/* The class around a pixel: the largest root class of its neighbours (-1: none present),
   and in *bad a nonzero value when two present neighbours are in different classes: the
   smallest root as an unsigned number (absent, -1, is then the largest) differs from the
   largest as a signed one. Balanced trees of independent operations, no branches. */
#define SKTOPO_MAX(a, b) ((a) > (b) ? (a) : (b))
#define SKTOPO_UMIN(a, b) ((unsigned) (a) < (unsigned) (b) ? (unsigned) (a) : (unsigned) (b))
static inline int sktopo_ring_class(const short *l, const short *rt, int p, int row,
                                    unsigned *bad) {
    int a0 = rt[l[p - row]], a1 = rt[l[p - row + 1]], a2 = rt[l[p + 1]];
    int a3 = rt[l[p + row + 1]], a4 = rt[l[p + row]], a5 = rt[l[p + row - 1]];
    int a6 = rt[l[p - 1]], a7 = rt[l[p - row - 1]];
    int m = SKTOPO_MAX(SKTOPO_MAX(SKTOPO_MAX(a0, a1), SKTOPO_MAX(a2, a3)),
                       SKTOPO_MAX(SKTOPO_MAX(a4, a5), SKTOPO_MAX(a6, a7)));
    unsigned u = SKTOPO_UMIN(SKTOPO_UMIN(SKTOPO_UMIN(a0, a1), SKTOPO_UMIN(a2, a3)),
                             SKTOPO_UMIN(SKTOPO_UMIN(a4, a5), SKTOPO_UMIN(a6, a7)));
    *bad = (unsigned) m ^ u;
    return m;
}
static inline int sktopo_cross_class(const short *l, const short *rt, int p, int row,
                                     unsigned *bad) {
    int a0 = rt[l[p - row]], a1 = rt[l[p + 1]], a2 = rt[l[p + row]], a3 = rt[l[p - 1]];
    int m = SKTOPO_MAX(SKTOPO_MAX(a0, a1), SKTOPO_MAX(a2, a3));
    unsigned u = SKTOPO_UMIN(SKTOPO_UMIN(a0, a1), SKTOPO_UMIN(a2, a3));
    *bad = (unsigned) m ^ u;
    return m;
}

#endif
