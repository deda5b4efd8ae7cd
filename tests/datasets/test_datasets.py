import numpy as np
import pytest

from sktopo.datasets import (load_stump_image, make_blobs_image, make_horseshoe,
                             make_two_clusters)
from sktopo.persistence import cubical_persistence, weak_alpha_persistence


def test_two_clusters_have_one_long_h0_bar():
    X, labels = make_two_clusters(random_state=0)
    assert X.shape == (100, 2) and np.bincount(labels).tolist() == [50, 50]
    life = weak_alpha_persistence(X, 0)[0].finite().lifetimes
    assert np.sum(life > 0.10) == 1


def test_horseshoe_has_no_h1_bar_but_closes_into_one():
    X, angle = make_horseshoe(random_state=0)
    assert X.shape == (300, 2)
    radius = np.linalg.norm(X, axis=1)
    assert np.all((radius >= 2.8) & (radius <= 3.2))
    dgm = weak_alpha_persistence(X, 1)[1]
    assert np.sum(dgm.lifetimes > 0.25) == 1     # the opening is born late, dies later


def test_blobs_image_has_one_long_bar_per_blob():
    image = make_blobs_image((48, 48), n_blobs=3, noise=0.0, random_state=0)
    life = cubical_persistence(image, 0)[0].lifetimes
    assert np.sum(life > 0.1) <= 3 and np.isinf(life).sum() == 1


@pytest.mark.parametrize("name, shape", [("blobs", (256, 256)), ("circle", (210, 210)),
                                         ("wells", (310, 310))])
def test_stump_images(name, shape):
    f = load_stump_image(name)
    assert f.shape == shape and f.min() == 0.0 and f.max() == 255.0


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="name"):
        load_stump_image("cells")
    with pytest.raises(ValueError, match="n_samples"):
        make_two_clusters(1)
