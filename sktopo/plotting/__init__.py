"""Plotting helpers (matplotlib is imported when they are called); they return Axes."""

from ._diagram import plot_diagram
from ._smear import plot_critical_smear

__all__ = ["plot_critical_smear", "plot_diagram"]
