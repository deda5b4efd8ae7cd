"""Plotting helpers (matplotlib is imported when they are called); they return Axes."""

from ._diagram import plot_diagram

__all__ = ["plot_diagram"]
