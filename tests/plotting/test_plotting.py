import matplotlib.pyplot as plt  # headless: the Agg backend is set in conftest.py
import numpy as np
import pytest

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import cubical_persistence
from sktopo.plotting import (plot_diagram, plot_image_change, plot_loss_curve,
                             plot_point_cloud_change)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_diagram_draws_every_dimension_and_region(rng):
    dgms = cubical_persistence(rng.random((10, 10)))
    ax = plot_diagram(dgms, region=PersistenceNorm(min_persistence=0.2))
    # one scatter per dimension with all its points, plus the shaded region
    for dim, dgm in dgms.items():
        scatter = next(c for c in ax.collections if c.get_label().startswith(f"H{dim}"))
        assert len(scatter.get_offsets()) == len(dgm)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("H0" in t for t in labels) and any("H1" in t for t in labels)
    assert "functional's region" in labels
    # essential points are drawn on the line above the finite ones
    h0 = next(c for c in ax.collections if c.get_label().startswith("H0"))
    assert h0.get_offsets()[:, 1].max() > max(dgms[0].deaths[~dgms[0].essential])


def test_plot_loss_curve_step_and_time():
    loss = TopologicalLoss(PersistenceNorm(p=1), homology_dimensions=0)
    x0 = np.random.default_rng(0).random((8, 8))
    runs = [stump_minimize(loss, x0, block_size=1, max_iter=5, random_state=0),
            stump_minimize(loss, x0, block_size=2, max_iter=7, random_state=0)]
    ax = plot_loss_curve(runs, x="time", labels=["vanilla", "stump"], relative=True)
    lines = ax.get_lines()
    assert [len(line.get_xdata()) for line in lines] == [5, 7]
    assert ax.get_xlabel() == "wall time (s)"
    assert lines[0].get_ydata()[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="x"):
        plot_loss_curve(runs, x="epoch")


def test_plot_image_change():
    before = np.zeros((5, 6))
    after = before.copy()
    after[2, 3] = 1.0
    axes = plot_image_change(before, after)
    diff = axes[2].get_images()[0].get_array()
    assert diff[2, 3] == 1.0 and np.abs(diff).sum() == 1.0
    with pytest.raises(ValueError, match="same shape"):
        plot_image_change(before, after[:4])


def test_plot_point_cloud_change(rng):
    before = rng.random((10, 2))
    after = before.copy()
    after[:3] += 0.5
    ax = plot_point_cloud_change(before, after)
    segments = ax.collections[0].get_segments()
    assert len(segments) == 3
    traj = np.stack([before, (before + after) / 2, after])
    ax = plot_point_cloud_change(before, after, trajectories=traj)
    assert len(ax.collections[0].get_segments()) == 10


def inside_figure(fig):
    """True when every Axes (labels, ticks, title, legend) is inside the figure, as saved
    without bbox_inches="tight"."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return all(fig.bbox.x0 - 1 <= bb.x0 and bb.x1 <= fig.bbox.x1 + 1 and
               fig.bbox.y0 - 1 <= bb.y0 and bb.y1 <= fig.bbox.y1 + 1
               for bb in (ax.get_tightbbox(renderer) for ax in fig.axes))


def test_plot_diagram_reads_every_form_and_labels_the_essential_bars():
    pts = np.array([[0.0, np.inf], [0.2, 0.5], [0.1, 0.9]])
    for form in (pts, pts.tolist(), {0: pts}, [(0, tuple(p)) for p in pts]):
        ax = plot_diagram(form, title="persistence diagram")
        scatter = next(c for c in ax.collections if c.get_label().startswith("H0"))
        assert len(scatter.get_offsets()) == 3
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "essential, death +inf (1)" in labels
        assert "+inf" in [t.get_text() for t in ax.texts]
        # the essential point sits on the labelled line above the finite ones
        line = next(line for line in ax.get_lines() if line.get_label().startswith("ess"))
        assert scatter.get_offsets()[:, 1].max() == line.get_ydata()[0] > 0.9
        assert inside_figure(ax.figure)
        plt.close(ax.figure)


def test_plot_diagram_superlevel_puts_the_essential_line_below(rng):
    dgms = cubical_persistence(rng.random((8, 8)), superlevel=True)
    ax = plot_diagram(dgms, region=PersistenceNorm(min_persistence=0.2))
    assert "-inf" in [t.get_text() for t in ax.texts]
    h0 = next(c for c in ax.collections if c.get_label().startswith("H0"))
    assert h0.get_offsets()[:, 1].min() < dgms[0].deaths[~dgms[0].essential].min()


def test_helpers_use_a_layout_engine_so_labels_are_not_clipped():
    before = np.zeros((5, 6))
    figs = [plot_diagram(np.array([[0.0, 1.0]])).figure,
            plot_loss_curve([[3.0, 2.0, 1.0]], title="loss").figure,
            plot_image_change(before, before + 1)[0].figure,
            plot_point_cloud_change(np.zeros((3, 2)), np.ones((3, 2)), title="t").figure]
    for fig in figs:
        assert fig.get_layout_engine() is not None
        assert inside_figure(fig)
