"""Sphinx configuration of the sktopo documentation."""

import os

import sktopo

# the gallery runs every example with scaled-down settings (the full runs live in benchmarks/)
os.environ.setdefault("SKTOPO_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# figures the examples save as scripts go to the build folder, not the source tree
os.environ.setdefault("SKTOPO_OUTPUT", os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "_build", "figures"))

project = "sktopo"
author = "The sktopo developers"
release = sktopo.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"/_",
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
}
numpydoc_xref_param_type = False
# the estimators inherit scikit-learn's ``score`` docstrings, which cite labels of
# scikit-learn's own user guide (:ref:`r2_score`); there is no network for intersphinx here
suppress_warnings = ["ref.ref"]
nitpicky = False
html_theme = "alabaster"
exclude_patterns = ["_build"]
