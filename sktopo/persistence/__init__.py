"""Persistence pairing: from an input to diagrams whose points know their critical cells."""

from ._cubical import cubical_persistence
from ._diagram import Diagram
from ._point_cloud import rips_persistence, weak_alpha_persistence
from ._simplicial import lower_star_persistence

__all__ = ["Diagram", "cubical_persistence", "lower_star_persistence", "rips_persistence",
           "weak_alpha_persistence"]
