"""Testing helpers: finite-difference gradient checks and GUDHI reference diagrams."""

import numpy as np

__all__ = ["numerical_gradient", "assert_gradient_matches", "diagram_pairs"]


def numerical_gradient(func, x, eps=1e-6):
    """Central finite differences of a scalar function of an array."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.size)
    flat = x.ravel()
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + eps
        up = func(x)
        flat[i] = old - eps
        down = func(x)
        flat[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad.reshape(x.shape)


def assert_gradient_matches(value_and_grad, x, eps=1e-6, atol=1e-6, rtol=1e-5):
    """Assert that an analytic gradient equals central finite differences at ``x``.

    ``value_and_grad(x)`` returns ``(value, grad)``; ``x`` should be generic (tie-free,
    away from the boundaries of the pairing's chambers).
    """
    x = np.array(x, dtype=np.float64)
    value, grad = value_and_grad(x.copy())
    numeric = numerical_gradient(lambda y: value_and_grad(y)[0], x, eps)
    np.testing.assert_allclose(grad, numeric, atol=atol, rtol=rtol)
    return value, grad


def diagram_pairs(dgm, values=None):
    """The points of a diagram as a sorted list of (birth, death) tuples, for comparison."""
    pts = dgm.to_array() if values is None else values
    return sorted(map(tuple, np.round(pts, 12).tolist()))


def gudhi_lifetimes(X, connectivity, superlevel=False):
    """The finite lifetimes of GUDHI's cubical persistence of ``X``, per dimension (the
    independent reference of the simplification checks)."""
    import gudhi

    Z = -np.asarray(X, float) if superlevel else np.asarray(X, float)
    cc = (gudhi.CubicalComplex(top_dimensional_cells=Z) if connectivity == "full"
          else gudhi.CubicalComplex(vertices=Z))
    cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
    out = {}
    for d in range(Z.ndim):
        p = cc.persistence_intervals_in_dimension(d).reshape(-1, 2)
        p = p[np.isfinite(p[:, 1])]
        out[d] = p[:, 1] - p[:, 0]
    return out


def no_exact_search(problem, g, half):
    """A stand-in for ``simplification._exact.exact_repair`` that finds nothing: the
    method as it is without its exact search on integers."""
    return None, None, 0, False
