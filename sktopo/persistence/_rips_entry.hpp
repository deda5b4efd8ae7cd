// Entry points of the Rips and flag H1 kernel (``_rips_core.hpp``), called from ``_rips.pyx``:
// the dimension of the points is a template parameter (2 and 3 unrolled), and the neighbour
// lists of the sparse path and of graphs are built here.

#pragma once

#include "_rips_core.hpp"

namespace sktopo_rips {

// ----------------------------------------------------------------------------- entry points

template <int DIM>
Coords<DIM> coords(int64_t n, int dim, const double *x, double thresh) {
    Coords<DIM> c;
    c.n = n;
    c.dim = dim;
    c.x = x;
    c.thresh = thresh;
    return c;
}

template <int DIM>
double enclosing_radius_dim(int64_t n, int dim, const double *x) {
    return enclosing_radius(coords<DIM>(n, dim, x, INFINITY));
}

inline double enclosing_radius_of(int64_t n, int dim, const double *x) {
    if (dim == 2) return enclosing_radius_dim<2>(n, dim, x);
    if (dim == 3) return enclosing_radius_dim<3>(n, dim, x);
    return enclosing_radius_dim<0>(n, dim, x);
}

template <int DIM>
void dense_dim(int64_t n, int dim, const double *x, double thresh, const int64_t *id,
               const int32_t *inv, RipsResult &res) {
    Dense<DIM> g;
    static_cast<Coords<DIM> &>(g) = coords<DIM>(n, dim, x, thresh);
    rips_h01(g, n, id, inv, res);
}

inline void rips_dense(int64_t n, int dim, const double *x, double thresh, const int64_t *id,
                       const int32_t *inv, RipsResult &res) {
    if (dim == 2) dense_dim<2>(n, dim, x, thresh, id, inv, res);
    else if (dim == 3) dense_dim<3>(n, dim, x, thresh, id, inv, res);
    else dense_dim<0>(n, dim, x, thresh, id, inv, res);
}

struct RowStore {
    std::vector<int64_t> indptr;
    std::vector<int32_t> nbr;
    std::vector<double> val;
};

// neighbour lists of the pairs within the threshold, each row sorted by vertex: two stable
// counting sorts of the directed pairs (by target, then by source)
template <int DIM>
void build_rows_dim(int64_t n, int dim, const double *x, double thresh, const int64_t *pairs,
                    int64_t n_pairs, RowStore &rows) {
    Coords<DIM> c = coords<DIM>(n, dim, x, thresh);
    std::vector<int32_t> src, dst;
    std::vector<double> val;
    std::vector<int64_t> count(n + 1, 0);
    for (int64_t p = 0; p < n_pairs; ++p) {
        int64_t a = pairs[2 * p], b = pairs[2 * p + 1];
        if (a == b || c.dist(a, b) > thresh) continue;
        src.push_back(int32_t(a));
        dst.push_back(int32_t(b));
        src.push_back(int32_t(b));
        dst.push_back(int32_t(a));
    }
    size_t m = src.size();
    std::vector<int32_t> tmp_src(m), tmp_dst(m);
    for (size_t t = 0; t < m; ++t) ++count[dst[t] + 1];
    for (int64_t k = 0; k < n; ++k) count[k + 1] += count[k];
    for (size_t t = 0; t < m; ++t) {
        int64_t at = count[dst[t]]++;
        tmp_src[at] = src[t];
        tmp_dst[at] = dst[t];
    }
    rows.indptr.assign(n + 1, 0);
    for (size_t t = 0; t < m; ++t) ++rows.indptr[tmp_src[t] + 1];
    for (int64_t k = 0; k < n; ++k) rows.indptr[k + 1] += rows.indptr[k];
    std::vector<int64_t> fill(rows.indptr.begin(), rows.indptr.end() - 1);
    rows.nbr.resize(m);
    rows.val.resize(m);
    for (size_t t = 0; t < m; ++t) {
        int64_t at = fill[tmp_src[t]]++;
        rows.nbr[at] = tmp_dst[t];
        rows.val[at] = c.dist(tmp_src[t], tmp_dst[t]);
    }
}

template <int DIM>
void sparse_dim(int64_t n, int dim, const double *x, double thresh, const int64_t *pairs,
                int64_t n_pairs, const int64_t *id, const int32_t *inv, RipsResult &res) {
    RowStore store;
    build_rows_dim<DIM>(n, dim, x, thresh, pairs, n_pairs, store);
    Sparse<DIM> g;
    static_cast<Coords<DIM> &>(g) = coords<DIM>(n, dim, x, thresh);
    g.rows = Rows{store.indptr.data(), store.nbr.data(), store.val.data()};
    rips_h01(g, n, id, inv, res);
}

inline void rips_sparse(int64_t n, int dim, const double *x, double thresh, const int64_t *pairs,
                        int64_t n_pairs, const int64_t *id, const int32_t *inv, RipsResult &res) {
    if (dim == 2) sparse_dim<2>(n, dim, x, thresh, pairs, n_pairs, id, inv, res);
    else if (dim == 3) sparse_dim<3>(n, dim, x, thresh, pairs, n_pairs, id, inv, res);
    else sparse_dim<0>(n, dim, x, thresh, pairs, n_pairs, id, inv, res);
}

// H1 of the flag complex of a graph: edges (i < j) sorted lexicographically, `order` the
// edges by increasing filtration, `cleared` the H0 death edges
inline void flag_h1(int64_t n, const int64_t *edges, int64_t m, const int64_t *order,
                    const unsigned char *cleared, std::vector<int64_t> &birth,
                    std::vector<int64_t> &death) {
    RowStore store;
    store.indptr.assign(n + 1, 0);
    for (int64_t e = 0; e < m; ++e) {
        ++store.indptr[edges[2 * e] + 1];
        ++store.indptr[edges[2 * e + 1] + 1];
    }
    for (int64_t k = 0; k < n; ++k) store.indptr[k + 1] += store.indptr[k];
    std::vector<int64_t> rank(m), fill(store.indptr.begin(), store.indptr.end() - 1);
    for (int64_t r = 0; r < m; ++r) rank[order[r]] = r;
    store.nbr.resize(2 * m);
    store.val.resize(2 * m);
    // lexicographic edges fill every row in increasing vertex order
    for (int64_t e = 0; e < m; ++e) {
        int64_t u = edges[2 * e], v = edges[2 * e + 1];
        store.nbr[fill[u]] = int32_t(v);
        store.val[fill[u]++] = double(rank[e]);
        store.nbr[fill[v]] = int32_t(u);
        store.val[fill[v]++] = double(rank[e]);
    }
    Graph g;
    g.n = n;
    g.rows = Rows{store.indptr.data(), store.nbr.data(), store.val.data()};
    graph_h1(g, edges, order, cleared, m, birth, death);
}

}  // namespace sktopo_rips
