/* Inline helpers of the 2-D union-find (sktopo/persistence/_labels.pyx). */
#ifndef SKTOPO_IMAGE_NEIGHBOURS_H
#define SKTOPO_IMAGE_NEIGHBOURS_H

static inline int sktopo_ceil_pow2(int size) {
    /* the smallest power of two at least size (1 for 0 and 1) */
    return size <= 1 ? 1 : 1 << (32 - __builtin_clz((unsigned) (size - 1)));
}

#endif
