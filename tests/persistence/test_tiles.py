"""The 2-D pairing in tiles gives the critical pixels of GUDHI on images of many tiles."""

import numpy as np
import pytest

from sktopo.persistence import _cubical, _pairing, cubical_persistence


def _pair_set(birth, death):
    pairs = list(zip(np.asarray(birth).tolist(), np.asarray(death).tolist()))
    assert len(set(pairs)) == len(pairs)
    return set(pairs)


def _assert_matches_gudhi(X, connectivity, tile):
    """``image_pairs`` in tiles of ``tile`` pixels against GUDHI on the ranks of ``X``
    (the order (value, index), so that GUDHI's own tie rule plays no part)."""
    ranks = _cubical._order_ranks(X.ravel()).reshape(X.shape).astype(np.float64)
    reference = _cubical._gudhi_pairs(ranks, (0, 1), connectivity)
    low, top = _pairing.image_pairs(X, connectivity == "full", True, True, tile=tile)
    assert low[1][0] == -1 and low[0][0] == reference[0][0][0]
    assert _pair_set(*low) == _pair_set(*reference[0]), (X.shape, connectivity, tile)
    assert _pair_set(*top) == _pair_set(*reference[1]), (X.shape, connectivity, tile)


@pytest.mark.parametrize("connectivity", ["full", "face"])
@pytest.mark.parametrize("superlevel", [False, True])
@pytest.mark.parametrize("shape, tile", [((37, 23), 2), ((37, 23), 3), ((40, 40), 8),
                                         ((41, 97), 7), ((1, 50), 4), ((50, 1), 4),
                                         ((9, 64), 16), ((130, 75), 0),
                                         # one tile by default (up to 131072 pixels,
                                         # any shape), then tiles of 128
                                         ((150, 181), 0), ((255, 100), 0), ((193, 192), 0),
                                         ((255, 255), 0), ((256, 40), 0), ((1000, 60), 0),
                                         ((1, 3000), 0), ((256, 255), 0), ((256, 256), 0),
                                         ((1, 65536), 0), ((257, 255), 0),
                                         ((362, 362), 0), ((363, 362), 0),
                                         ((3, 43690), 0), ((260, 300), 0)])
def test_noise_in_tiles(shape, tile, superlevel, connectivity):
    X = np.random.default_rng(sum(shape) + tile).random(shape)
    _assert_matches_gudhi(-X if superlevel else X, connectivity, tile)


@pytest.mark.parametrize("connectivity", ["full", "face"])
@pytest.mark.parametrize("levels", [1, 2, 4, 30])
def test_ties_in_tiles(levels, connectivity):
    # plateaus across the edges and corners of the tiles: the order (value, index) of the
    # whole image, not of a tile, decides
    rng = np.random.default_rng(levels)
    for shape, tile in [((33, 29), 4), ((24, 24), 6), ((70, 50), 9)]:
        X = rng.integers(0, levels, shape).astype(np.float64)
        _assert_matches_gudhi(X, connectivity, tile)
        _assert_matches_gudhi(-X, connectivity, tile)


@pytest.mark.parametrize("connectivity", ["full", "face"])
def test_smooth_images_in_tiles(connectivity):
    # large classes that cross many tiles, and rings around tiles (H1 glued)
    y, x = np.mgrid[0:90, 0:110] / 9.0
    X = np.sin(x) * np.cos(1.3 * y) + 0.01 * np.random.default_rng(1).random((90, 110))
    for tile in (5, 16, 0):
        _assert_matches_gudhi(X, connectivity, tile)
        _assert_matches_gudhi(-X, connectivity, tile)


def test_tiles_do_not_change_the_pairs():
    # the default tiles against one tile and against tiny ones, on an image of many tiles
    X = np.random.default_rng(4).random((300, 260))
    one = _pairing.image_pairs(X, True, True, True, tile=255)
    for tile in (0, 2, 31, 128):
        got = _pairing.image_pairs(X, True, True, True, tile=tile)
        for d in (0, 1):
            assert _pair_set(*got[d]) == _pair_set(*one[d])


@pytest.mark.parametrize("connectivity", ["full", "face"])
@pytest.mark.parametrize("shape, tile", [((255, 255), 255), ((5, 13005), 0), ((256, 256), 0),
                                         ((2, 32768), 0), ((362, 362), 0)])
def test_tile_with_an_extremum_at_every_other_pixel(shape, tile, connectivity):
    # a checkerboard: half the pixels of a tile of 255 * 255 pixels (square, or one tile
    # of 5 rows) are local extrema of both filtrations (the most classes a tile can have:
    # its labels are 16-bit); an image of one tile of 65536 pixels or more has too many
    # classes for them with 4 neighbours: it is paired again in tiles
    i, j = np.indices(shape)
    X = (i + j) % 2 + 0.5 * np.random.default_rng(2).random(shape)
    _assert_matches_gudhi(X, connectivity, tile)
    _assert_matches_gudhi(-X, connectivity, tile)


@pytest.mark.parametrize("tile", [-3, -1, 1, 256])
def test_bad_tile(tile):
    with pytest.raises(ValueError, match="tile must be"):
        _pairing.image_pairs(np.zeros((3, 3)), True, True, True, tile=tile)


@pytest.mark.parametrize("superlevel", [False, True])
@pytest.mark.parametrize("shape", [(270, 140), (300, 260)])
def test_public_diagrams_of_many_tiles(shape, superlevel):
    # the points are written into the arrays returned (views of two blocks up to 2**16
    # pixels, arrays shrunk in place above), zero-persistence pairs dropped
    X = np.round(np.random.default_rng(6).random(shape) * 20)
    dgms = cubical_persistence(X, (0, 1), superlevel=superlevel)
    reference = _cubical._cubical_diagrams(X, (0, 1), superlevel, "full", backend="gudhi")
    for d in (0, 1):
        got = sorted(zip(dgms[d].births.tolist(), dgms[d].deaths.tolist(),
                         dgms[d].birth_index.tolist(), dgms[d].death_index.tolist()))
        ref = sorted(zip(reference[d].births.tolist(), reference[d].deaths.tolist(),
                         reference[d].birth_index.tolist(), reference[d].death_index.tolist()))
        assert got == ref


@pytest.mark.parametrize("connectivity", ["full", "face"])
@pytest.mark.parametrize("levels", [1, 2, 4, 30])
def test_ties_in_one_tile(levels, connectivity):
    # one tile: the union-find runs at the pixels whose 3 x 3 window may merge classes
    # (plateaus: the order (value, index) decides which neighbours come first); the
    # shapes in turn grow and shrink the buffers kept between calls
    rng = np.random.default_rng(levels + 10)
    for shape in [(1, 1), (2, 3), (1, 50), (50, 1), (33, 29), (255, 3), (3, 255), (97, 120),
                  (700, 9), (5, 5)]:
        X = rng.integers(0, levels, shape).astype(np.float64)
        _assert_matches_gudhi(X, connectivity, 0)
        _assert_matches_gudhi(-X, connectivity, 0)
