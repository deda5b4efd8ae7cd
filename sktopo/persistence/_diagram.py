"""The persistence diagram of one homology dimension, with its critical cells."""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = ["Diagram"]


@dataclass(frozen=True, eq=False)
class Diagram:
    """Persistence diagram of one homology dimension, every point with its critical cells.

    Parameters
    ----------
    births : ndarray of shape (n_points,)
        Filtration values at which the classes are born (float64).
    deaths : ndarray of shape (n_points,)
        Filtration values at which the classes die. An essential class (one that
        never dies) has death ``+inf`` for a sublevel filtration and ``-inf`` for a
        superlevel filtration.
    birth_index : ndarray of shape (n_points,) or (n_points, 2)
        Critical cell of each birth, in the input's own index space: a C-order flat
        pixel index for images, a vertex id for lower-star filtrations, an edge
        (pair of point indices) for point clouds.
    death_index : ndarray of shape (n_points,) or (n_points, 2)
        Critical cell of each death, as ``birth_index``; ``-1`` for an essential class.
    dim : int
        Homology dimension.

    Attributes
    ----------
    lifetimes : ndarray of shape (n_points,)
        ``|deaths - births|`` (``inf`` for essential classes).
    essential : ndarray of bool of shape (n_points,)
        True for the classes that never die.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import cubical_persistence
    >>> dgm = cubical_persistence(np.array([0.0, 3.0, 1.0, 2.0]))[0]
    >>> dgm.births, dgm.deaths, dgm.birth_index, dgm.death_index
    (array([0., 1.]), array([inf,  3.]), array([0, 2]), array([-1,  1]))
    """

    births: np.ndarray
    deaths: np.ndarray
    birth_index: np.ndarray
    death_index: np.ndarray
    dim: int = 0

    def __len__(self):
        return self.births.shape[0]

    # computed once per diagram: functionals read them several times per optimizer step
    @cached_property
    def lifetimes(self):
        return np.abs(self.deaths - self.births)

    @cached_property
    def essential(self):
        return np.isinf(self.deaths)

    def finite(self):
        """Return the diagram without its essential classes."""
        keep = ~self.essential
        return self.select(keep)

    def select(self, mask):
        """Return the diagram of the points selected by a boolean mask or index array."""
        return Diagram(self.births[mask], self.deaths[mask], self.birth_index[mask],
                       self.death_index[mask], self.dim)

    def to_array(self):
        """Return the points as an array of shape (n_points, 2) of (birth, death)."""
        return np.column_stack([self.births, self.deaths])

    def __repr__(self):
        return (f"Diagram(dim={self.dim}, n_points={len(self)}, "
                f"n_essential={int(self.essential.sum())})")

    @classmethod
    def empty(cls, dim=0, index_width=None):
        shape = (0,) if index_width is None else (0, index_width)
        return cls(np.empty(0), np.empty(0), np.empty(shape, dtype=np.intp),
                   np.empty(shape, dtype=np.intp), dim)
