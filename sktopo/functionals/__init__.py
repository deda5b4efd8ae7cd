"""Diagram functionals: value and gradient with respect to births and deaths."""

from ._base import DiagramFunctional, WeightedSum
from ._energy import BettiTarget, PolynomialEnergy
from ._matching import DiagramDistance
from ._norms import DeathNorm, PersistenceNorm

__all__ = ["DiagramFunctional", "WeightedSum", "PolynomialEnergy", "PersistenceNorm",
           "DiagramDistance", "BettiTarget", "DeathNorm"]
