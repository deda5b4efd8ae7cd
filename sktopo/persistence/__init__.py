"""Persistence pairing: from an input to diagrams whose points know their critical cells."""

from ._cubical import cubical_persistence
from ._diagram import (Diagram, check_diagram, check_diagrams, from_giotto, from_gudhi,
                       from_persim, to_giotto, to_gudhi, to_persim)
from ._point_cloud import rips_persistence, weak_alpha_persistence
from ._simplicial import lower_star_persistence

__all__ = ["Diagram", "cubical_persistence", "lower_star_persistence", "rips_persistence",
           "weak_alpha_persistence", "check_diagram", "check_diagrams", "from_giotto",
           "from_gudhi", "from_persim", "to_giotto", "to_gudhi", "to_persim"]
