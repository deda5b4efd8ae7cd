"""Validation, scikit-learn compatibility and testing helpers (private API)."""
