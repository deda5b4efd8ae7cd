// H0 and H1 of flag (Vietoris-Rips) filtrations without materializing the triangles.
//
// The method is ripser's (U. Bauer, "Ripser: efficient computation of Vietoris-Rips
// persistence barcodes", 2021), specialised to H1:
//
// * The edges are totally ordered by (value, smaller id, larger id); a triangle enters with
//   its largest edge, and triangles sharing it are ordered by their opposite vertex. An edge
//   or a triangle is a 128-bit key: the value's bits (values are >= 0, so the bits sort like
//   the values), then the two ids and the opposite vertex in 21 bits each.
// * An edge e that is the largest edge of some triangle forms an apparent pair with the first
//   such triangle (the smallest cofacet of e, and e is its largest facet): a zero persistence
//   pair, settled without any reduction. The other edges are those of the relative
//   neighbourhood graph in the total order (no vertex k with both (i, k) and (j, k) below
//   (i, j)); they hold the minimum spanning tree, so Kruskal's algorithm over them gives H0.
// * H1 by persistent cohomology: the coboundaries of the remaining edges (not apparent, not an
//   H0 death: clearing) are reduced in decreasing order in a binary heap with lazy
//   cancellation. Cofacets are enumerated from the vertices' neighbourhoods on demand; a
//   pivot owned by an apparent pair adds the coboundary of its edge, a pivot owned by a
//   reduced column adds the coboundaries listed in that column's reduction (V) column.
//
// Three graphs share the code: `Dense` (all pairs within a threshold, distances computed
// from the coordinates when needed: memory linear in the points), `Sparse` (neighbour lists
// of a radius query, rows sorted by vertex) and `Graph` (a given graph whose edge values are
// ranks, neighbour lists searched for adjacency). Vertices are scanned in increasing
// internal index; the caller shuffles the points so that these scans stop early.

#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace sktopo_rips {

typedef unsigned __int128 key_t;
const int ID_BITS = 21;
const uint64_t ID_MASK = (uint64_t(1) << ID_BITS) - 1;
const int64_t MAX_POINTS = int64_t(1) << ID_BITS;

inline uint64_t bits_of(double d) {
    uint64_t b;
    std::memcpy(&b, &d, 8);
    return b;
}

inline double value_of(key_t k) {
    uint64_t b = uint64_t(k >> 64);
    double d;
    std::memcpy(&d, &b, 8);
    return d;
}

inline key_t edge_key(double d, int64_t a, int64_t b) {
    if (a > b) std::swap(a, b);
    return (key_t(bits_of(d + 0.0)) << 64) | (uint64_t(a) << (2 * ID_BITS))
           | (uint64_t(b) << ID_BITS);
}

struct Edge {
    key_t key;
    int32_t u, v;       // internal vertex indices
};

// ----------------------------------------------------------------------------- graphs

template <int DIM>
struct Coords {
    int64_t n;
    int dim;
    const double *x;    // (n, dim), row-major, in internal order
    double thresh;

    inline int D() const { return DIM ? DIM : dim; }
    // the sum of squares in coordinate order, as numpy's norm of the difference
    inline double dist(int64_t a, int64_t b) const {
        const double *p = x + a * D();
        const double *q = x + b * D();
        double s = 0.0;
        for (int c = 0; c < D(); ++c) {
            double t = p[c] - q[c];
            s += t * t;
        }
        return std::sqrt(s);
    }
    inline bool edge(int64_t j, int64_t k, double &d) const {
        d = dist(j, k);
        return d <= thresh;
    }
};

// the common neighbours k of u and v with d(u, k) <= bound, in increasing k: f(k, d(u, k),
// d(v, k)) returns true to stop; the second distance is computed from the coordinates
template <class G, class F>
inline bool scan_common(const G &g, int64_t u, int64_t v, double bound, F &&f) {
    return g.scan(u, [&](int64_t k, double duk) {
        double dvk;
        if (duk > bound || k == v || !g.edge(v, k, dvk)) return false;
        return f(k, duk, dvk);
    });
}

template <int DIM>
struct Dense : Coords<DIM> {
    std::vector<double> row;    // distances from `row_of`, reused by the scans of its edges
    int64_t row_of = -1;

    void prepare(int64_t i) {
        row.resize(this->n);
        for (int64_t k = 0; k < this->n; ++k) row[k] = this->dist(i, k);
        row_of = i;
    }
    template <class F>
    inline bool scan(int64_t i, F &&f) const {
        const double t = this->thresh;
        if (row_of == i) {
            const double *r = row.data();
            for (int64_t k = 0; k < this->n; ++k)
                if (r[k] <= t && k != i && f(k, r[k])) return true;
        } else {
            for (int64_t k = 0; k < this->n; ++k) {
                if (k == i) continue;
                double d = this->dist(i, k);
                if (d <= t && f(k, d)) return true;
            }
        }
        return false;
    }
};

struct Rows {
    const int64_t *indptr;
    const int32_t *nbr;     // each row sorted by vertex
    const double *val;

    template <class F>
    inline bool scan(int64_t i, F &&f) const {
        for (int64_t p = indptr[i]; p < indptr[i + 1]; ++p)
            if (f(int64_t(nbr[p]), val[p])) return true;
        return false;
    }
};

template <int DIM>
struct Sparse : Coords<DIM> {
    Rows rows;
    void prepare(int64_t) {}
    template <class F>
    inline bool scan(int64_t i, F &&f) const { return rows.scan(i, f); }
};

struct Graph {
    int64_t n;
    Rows rows;
    void prepare(int64_t) {}
    template <class F>
    inline bool scan(int64_t i, F &&f) const { return rows.scan(i, f); }
    // the common neighbours by merging the two sorted rows
    template <class F>
    inline bool common(int64_t u, int64_t v, double bound, F &&f) const {
        int64_t p = rows.indptr[u], pe = rows.indptr[u + 1];
        int64_t q = rows.indptr[v], qe = rows.indptr[v + 1];
        while (p < pe && q < qe) {
            int32_t a = rows.nbr[p], b = rows.nbr[q];
            if (a < b) {
                ++p;
            } else if (b < a) {
                ++q;
            } else {
                if (rows.val[p] <= bound && f(int64_t(a), rows.val[p], rows.val[q])) return true;
                ++p;
                ++q;
            }
        }
        return false;
    }
};

template <class F>
inline bool scan_common(const Graph &g, int64_t u, int64_t v, double bound, F &&f) {
    return g.common(u, v, bound, f);
}

// ----------------------------------------------------------------------------- cohomology

struct KeyHash {
    size_t operator()(key_t k) const {
        uint64_t h = uint64_t(k) * 0x9E3779B97F4A7C15ull ^ uint64_t(k >> 64);
        return size_t(h ^ (h >> 29));
    }
};

// A reduced column is stored as its entries (R) when its working heap is small (sparse
// graphs) and they fit in a budget, else as the list of what was added to it (V): edges,
// whose coboundaries are enumerated again, and references to columns stored as R. Sorting
// the large heaps of dense clouds costs more than enumerating them again.
const size_t R_BUDGET = size_t(1) << 24;        // entries (16 bytes each)
const size_t R_HEAP = 4096;
const uint64_t REF = ~uint64_t(0);              // V entry: a stored column (never a value)

template <class G>
struct Cohomology {
    G &g;
    const int64_t *id;      // internal -> external id (the tie-break of equal values)
    const int32_t *inv;     // external id -> internal
    std::vector<key_t> heap;        // the working column: a min-heap, cleared in O(1)
    std::unordered_map<key_t, int64_t, KeyHash> owner;     // pivot -> stored column
    std::vector<std::vector<key_t>> stored_r;
    std::vector<std::vector<Edge>> stored_v;
    size_t r_entries = 0;
    std::vector<Edge> work;
    std::vector<Edge> births;
    std::vector<key_t> deaths;      // 0 for an essential class
    // for ranked edges (value = rank): the first vertex below each edge, or -1
    const int64_t *first_by_rank = nullptr;

    Cohomology(G &graph, const int64_t *ids, const int32_t *inverse)
        : g(graph), id(ids), inv(inverse) {}

    inline key_t key(int64_t a, int64_t b, double d) const { return edge_key(d, id[a], id[b]); }

    // the first vertex k (internal order) with (i, k) and (j, k) both below e, or -1
    int64_t first_lower(int64_t i, int64_t j, key_t ke) const {
        const double de = value_of(ke);
        int64_t found = -1;
        scan_common(g, i, j, de, [&](int64_t k, double dik, double djk) {
            if (djk > de || key(i, k, dik) >= ke || key(j, k, djk) >= ke) return false;
            found = k;
            return true;
        });
        return found;
    }

    Edge largest_edge(key_t t) const {
        uint64_t lo = uint64_t(t);
        Edge f;
        f.key = t & ~key_t(ID_MASK);
        f.u = inv[(lo >> (2 * ID_BITS)) & ID_MASK];
        f.v = inv[(lo >> ID_BITS) & ID_MASK];
        return f;
    }

    inline void push(key_t t) {
        heap.push_back(t);
        std::push_heap(heap.begin(), heap.end(), std::greater<key_t>());
    }

    void push_coboundary(const Edge &e) {
        scan_common(g, e.u, e.v, INFINITY, [&](int64_t k, double duk, double dvk) {
            key_t a = key(e.u, k, duk), b = key(e.v, k, dvk), m = e.key;
            uint64_t opp = uint64_t(k);
            if (a > m) { m = a; opp = uint64_t(e.v); }
            if (b > m) { m = b; opp = uint64_t(e.u); }
            push(m | opp);
            return false;
        });
    }

    // adds a stored column (its entries, or its V list) to the working column
    void push_column(int64_t c) {
        if (stored_v[c].empty()) {
            for (key_t t : stored_r[c]) push(t);
            work.push_back(Edge{(key_t(REF) << 64) | uint64_t(c), -1, -1});
            return;
        }
        for (const Edge &f : stored_v[c]) {
            if (f.u < 0) {
                for (key_t t : stored_r[int64_t(uint64_t(f.key))]) push(t);
            } else {
                push_coboundary(f);
            }
            work.push_back(f);
        }
    }

    // the smallest entry of the working column, the entries met an even number of times
    // cancelled; it stays in the heap
    bool pivot(key_t &p) {
        std::greater<key_t> later;
        while (!heap.empty()) {
            p = heap.front();
            std::pop_heap(heap.begin(), heap.end(), later);
            heap.pop_back();
            if (!heap.empty() && heap.front() == p) {
                std::pop_heap(heap.begin(), heap.end(), later);
                heap.pop_back();
                continue;
            }
            heap.push_back(p);
            std::push_heap(heap.begin(), heap.end(), later);
            return true;
        }
        return false;
    }

    bool apparent(key_t t) const {
        const int64_t opp = int64_t(uint64_t(t) & ID_MASK);
        if (first_by_rank) return first_by_rank[int64_t(value_of(t))] == opp;
        Edge f = largest_edge(t);
        return first_lower(f.u, f.v, f.key) == opp;
    }

    void store() {
        if (heap.size() > R_HEAP || r_entries + heap.size() > R_BUDGET) {
            stored_r.emplace_back();
            stored_v.push_back(compact(work));
            return;
        }
        std::vector<key_t> r;
        std::sort(heap.begin(), heap.end());
        for (size_t i = 0; i < heap.size();) {
            size_t j = i;
            while (j < heap.size() && heap[j] == heap[i]) ++j;
            if ((j - i) % 2) r.push_back(heap[i]);
            i = j;
        }
        r_entries += r.size();
        stored_r.push_back(std::move(r));
        stored_v.emplace_back();
    }

    void reduce(const Edge &e) {
        heap.clear();
        work.clear();
        work.push_back(e);
        push_coboundary(e);
        key_t p;
        while (pivot(p)) {
            auto it = owner.find(p);
            if (it != owner.end()) {
                push_column(it->second);
            } else if (apparent(p)) {
                Edge f = largest_edge(p);
                push_coboundary(f);
                work.push_back(f);
            } else {
                owner.emplace(p, int64_t(stored_r.size()));
                store();
                births.push_back(e);
                deaths.push_back(p);
                return;
            }
        }
        births.push_back(e);
        deaths.push_back(0);
    }

    // a V column modulo 2: the entries listed an odd number of times
    static std::vector<Edge> compact(std::vector<Edge> v) {
        std::sort(v.begin(), v.end(), [](const Edge &a, const Edge &b) { return a.key < b.key; });
        std::vector<Edge> out;
        for (size_t i = 0; i < v.size();) {
            size_t j = i;
            while (j < v.size() && v[j].key == v[i].key) ++j;
            if ((j - i) % 2) out.push_back(v[i]);
            i = j;
        }
        return out;
    }
};

// ----------------------------------------------------------------------------- drivers

struct RipsResult {
    // the edges that are not apparent, increasing (external ids, value)
    std::vector<int64_t> edge_a, edge_b;
    std::vector<double> edge_value;
    // H0: the dying vertex, its death edge (a row of the edges above); the essential roots
    std::vector<int64_t> dying, death_edge, roots;
    // H1: birth edge (a row of the edges above), death edge (external ids, -1 if essential)
    std::vector<int64_t> birth_edge, death_a, death_b;
    std::vector<double> death_value;
};

inline int64_t find_root(std::vector<int64_t> &parent, int64_t x) {
    int64_t r = x;
    while (parent[r] != r) r = parent[r];
    while (parent[x] != r) {
        int64_t up = parent[x];
        parent[x] = r;
        x = up;
    }
    return r;
}

template <class G>
void rips_h01(G &g, int64_t n, const int64_t *id, const int32_t *inv, RipsResult &res) {
    Cohomology<G> co(g, id, inv);
    std::vector<Edge> edges;    // the edges with no vertex below them on both sides
    for (int64_t i = 0; i < n; ++i) {
        g.prepare(i);
        g.scan(i, [&](int64_t j, double dij) {
            if (j > i) {
                key_t k = co.key(i, j, dij);
                if (co.first_lower(i, j, k) < 0) edges.push_back(Edge{k, int32_t(i), int32_t(j)});
            }
            return false;
        });
    }
    std::sort(edges.begin(), edges.end(),
              [](const Edge &a, const Edge &b) { return a.key < b.key; });
    size_t m = edges.size();
    // Kruskal with the elder rule (the smaller external id survives)
    std::vector<int64_t> parent(n);
    std::vector<char> tree(m, 0);
    for (int64_t x = 0; x < n; ++x) parent[x] = x;
    for (size_t t = 0; t < m; ++t) {
        int64_t a = id[edges[t].u], b = id[edges[t].v];
        res.edge_a.push_back(std::min(a, b));
        res.edge_b.push_back(std::max(a, b));
        res.edge_value.push_back(value_of(edges[t].key));
        int64_t ra = find_root(parent, a), rb = find_root(parent, b);
        if (ra == rb) continue;
        if (ra > rb) std::swap(ra, rb);
        parent[rb] = ra;
        res.dying.push_back(rb);
        res.death_edge.push_back(int64_t(t));
        tree[t] = 1;
    }
    for (int64_t x = 0; x < n; ++x)
        if (parent[x] == x) res.roots.push_back(x);
    // H1: the other edges, decreasing
    std::vector<int64_t> row_of;
    for (size_t t = m; t-- > 0;) {
        if (tree[t]) continue;
        co.reduce(edges[t]);
        row_of.push_back(int64_t(t));
    }
    for (size_t c = 0; c < co.births.size(); ++c) {
        res.birth_edge.push_back(row_of[c]);
        key_t d = co.deaths[c];
        if (d == 0) {
            res.death_a.push_back(-1);
            res.death_b.push_back(-1);
            res.death_value.push_back(INFINITY);
        } else {
            uint64_t lo = uint64_t(d);
            res.death_a.push_back(int64_t((lo >> (2 * ID_BITS)) & ID_MASK));
            res.death_b.push_back(int64_t((lo >> ID_BITS) & ID_MASK));
            res.death_value.push_back(value_of(d));
        }
    }
}

// H1 of the flag complex of a graph whose edges are ranked; rows of `edges` for the births
// and deaths. `cleared` marks the H0 death edges.
inline void graph_h1(const Graph &g0, const int64_t *edges, const int64_t *order,
                     const unsigned char *cleared, int64_t m, std::vector<int64_t> &birth,
                     std::vector<int64_t> &death) {
    Graph g = g0;
    std::vector<int64_t> ident(g.n);
    std::vector<int32_t> ident32(g.n);
    for (int64_t x = 0; x < g.n; ++x) {
        ident[x] = x;
        ident32[x] = int32_t(x);
    }
    Cohomology<Graph> co(g, ident.data(), ident32.data());
    std::vector<int64_t> first(m);
    for (int64_t r = 0; r < m; ++r) {
        int64_t u = edges[2 * order[r]], v = edges[2 * order[r] + 1];
        first[r] = co.first_lower(u, v, edge_key(double(r), u, v));
    }
    co.first_by_rank = first.data();
    for (int64_t r = m - 1; r >= 0; --r) {
        int64_t e = order[r];
        if (cleared[e] || first[r] >= 0) continue;
        int64_t u = edges[2 * e], v = edges[2 * e + 1];
        co.reduce(Edge{edge_key(double(r), u, v), int32_t(u), int32_t(v)});
        birth.push_back(e);
        key_t d = co.deaths.back();
        death.push_back(d == 0 ? -1 : order[int64_t(value_of(d))]);
    }
}

// min over the points of the distance to the farthest point: the Rips complex at this
// value is a cone (contractible), so longer edges change no class
template <int DIM>
double enclosing_radius(const Coords<DIM> &c) {
    double best = INFINITY;
    for (int64_t i = 0; i < c.n; ++i) {
        double far = 0.0;
        for (int64_t k = 0; k < c.n && far < best; ++k) far = std::max(far, c.dist(i, k));
        best = std::min(best, far);
    }
    return best;
}

}  // namespace sktopo_rips
