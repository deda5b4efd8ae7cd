"""Plotting helpers (matplotlib is imported when they are called); they return Axes."""

from ._diagram import plot_diagram
from ._optim import (plot_image_change, plot_loss_curve, plot_point_cloud_change,
                     save_figure)
from ._smear import plot_critical_smear

__all__ = ["plot_critical_smear", "plot_diagram", "plot_image_change", "plot_loss_curve",
           "plot_point_cloud_change", "save_figure"]
