"""Build the compiled kernels (Cython); the rest of the metadata is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension("sktopo.persistence._pairing", ["sktopo/persistence/_pairing.pyx"]),
    Extension("sktopo.smear._sampling", ["sktopo/smear/_sampling.pyx"]),
]

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}))
