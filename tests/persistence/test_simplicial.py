import gudhi
import numpy as np
import pytest
from scipy.spatial import Delaunay

from sktopo.persistence import lower_star_persistence
from sktopo.utils._testing import diagram_pairs


def gudhi_lower_star(values, simplices, dim):
    st = gudhi.SimplexTree()
    for v, f in enumerate(values):
        st.insert([v], float(f))
    for s in simplices:
        st.insert(list(map(int, s)))
    for simplex, _ in list(st.get_simplices()):
        st.assign_filtration(simplex, float(np.max(values[simplex])))
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    pts = st.persistence_intervals_in_dimension(dim).reshape(-1, 2)
    return sorted(map(tuple, np.round(pts, 12).tolist()))


@pytest.mark.parametrize("seed", range(5))
def test_lower_star_equals_gudhi_on_a_triangulation(seed):
    rng = np.random.default_rng(seed)
    tri = Delaunay(rng.random((40, 2)))
    values = rng.random(40)
    ours = lower_star_persistence(values, tri.simplices)
    for d in (0, 1):
        assert diagram_pairs(ours[d]) == gudhi_lower_star(values, tri.simplices, d)
        dgm = ours[d]
        np.testing.assert_array_equal(dgm.births, values[dgm.birth_index])


def test_superlevel_and_lists_of_simplices(rng):
    values = rng.random(6)
    simplices = [[0, 1], [1, 2], [2, 3, 4], [4, 5]]
    sup = lower_star_persistence(values, simplices, superlevel=True)
    sub = lower_star_persistence(-values, simplices)
    for d in (0, 1):
        assert diagram_pairs(sup[d]) == diagram_pairs(None, -sub[d].to_array())


def test_hollow_triangle_has_an_essential_loop():
    dgms = lower_star_persistence([0.0, 1.0, 2.0], [[0, 1], [1, 2], [0, 2]])
    assert dgms[1].essential.sum() == 1
    assert dgms[1].births[0] == 2.0 and dgms[1].birth_index[0] == 2


def test_isolated_vertices_are_components():
    dgm = lower_star_persistence([0.0, 1.0, 2.0], [[0, 1]], homology_dimensions=0)[0]
    assert dgm.essential.sum() == 2


def test_bad_simplices_raise():
    with pytest.raises(ValueError, match="simplices"):
        lower_star_persistence([0.0, 1.0], [[0, 2]])
    with pytest.raises(TypeError, match="simplices"):
        lower_star_persistence([0.0, 1.0], [[0.5, 1.0]])
    with pytest.raises(ValueError, match="homology_dimensions"):
        lower_star_persistence([0.0, 1.0], [[0, 1]], homology_dimensions=2)
    with pytest.raises(ValueError, match="values"):
        lower_star_persistence([0.0, np.nan], [[0, 1]])
