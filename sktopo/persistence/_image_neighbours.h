/* Inline helpers of the 2-D union-find (sktopo/persistence/_pairing.pyx). */
#ifndef SKTOPO_IMAGE_NEIGHBOURS_H
#define SKTOPO_IMAGE_NEIGHBOURS_H

static inline int sktopo_ceil_pow2(int size) {
    /* the smallest power of two at least size (1 for 0 and 1) */
    return size <= 1 ? 1 : 1 << (32 - __builtin_clz((unsigned) (size - 1)));
}
/* The class around a pixel: the largest root class of its neighbours (-1: none present),
   and in *bad a nonzero value when two present neighbours have different labels.
   Balanced trees of independent operations, no branches. */
#define SKTOPO_MAX(a, b) ((a) > (b) ? (a) : (b))
#define SKTOPO_OFF(a, m) (((a) ^ (m)) & ~((a) >> 31))
static inline int sktopo_ring_class(const short *l, const int *rt, int p, int row,
                                    unsigned *bad) {
    int a0 = rt[l[p - row]], a1 = rt[l[p - row + 1]], a2 = rt[l[p + 1]];
    int a3 = rt[l[p + row + 1]], a4 = rt[l[p + row]], a5 = rt[l[p + row - 1]];
    int a6 = rt[l[p - 1]], a7 = rt[l[p - row - 1]];
    int m = SKTOPO_MAX(SKTOPO_MAX(SKTOPO_MAX(a0, a1), SKTOPO_MAX(a2, a3)),
                       SKTOPO_MAX(SKTOPO_MAX(a4, a5), SKTOPO_MAX(a6, a7)));
    *bad = (unsigned) ((SKTOPO_OFF(a0, m) | SKTOPO_OFF(a1, m)) | (SKTOPO_OFF(a2, m) | SKTOPO_OFF(a3, m))
            | (SKTOPO_OFF(a4, m) | SKTOPO_OFF(a5, m)) | (SKTOPO_OFF(a6, m) | SKTOPO_OFF(a7, m)));
    return m;
}
static inline int sktopo_cross_class(const short *l, const int *rt, int p, int row,
                                     unsigned *bad) {
    int a0 = rt[l[p - row]], a1 = rt[l[p + 1]], a2 = rt[l[p + row]], a3 = rt[l[p - 1]];
    int m = SKTOPO_MAX(SKTOPO_MAX(a0, a1), SKTOPO_MAX(a2, a3));
    *bad = (unsigned) ((SKTOPO_OFF(a0, m) | SKTOPO_OFF(a1, m)) | (SKTOPO_OFF(a2, m) | SKTOPO_OFF(a3, m)));
    return m;
}

#endif
