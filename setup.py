"""Build the compiled pairing kernels (Cython); the rest of the metadata is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension("sktopo.persistence._pairing", ["sktopo/persistence/_pairing.pyx"]),
]

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}))
