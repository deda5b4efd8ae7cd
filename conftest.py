"""pytest configuration shared by the tests and the doctests of the package."""

import os

# headless plots everywhere (tests, and the doctests of sktopo.plotting), set once here
# instead of in every example
os.environ.setdefault("MPLBACKEND", "Agg")
