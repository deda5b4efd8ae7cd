"""Build the compiled kernels (Cython); the rest of the metadata is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

extensions = [
    Extension("sktopo.persistence._pairing", ["sktopo/persistence/_pairing.pyx"]),
    Extension("sktopo.smear._sampling", ["sktopo/smear/_sampling.pyx"]),
    Extension("sktopo.optim._adam_step", ["sktopo/optim/_adam_step.pyx"]),
    Extension("sktopo.persistence._rips", ["sktopo/persistence/_rips.pyx"], language="c++",
              include_dirs=["sktopo/persistence"], extra_compile_args=["-std=c++14"],
              depends=["sktopo/persistence/_rips_core.hpp",
                       "sktopo/persistence/_rips_entry.hpp"]),
]

# modules whose float64 arithmetic must match numpy's to the bit: no fused multiply-add
# (and no errno from sqrt or log, so that they vectorize)
_NO_FMA = {"sktopo.optim._adam_step", "sktopo.smear._sampling",
           "sktopo.persistence._rips"}


class BuildExt(build_ext):
    def build_extension(self, ext):
        if ext.name in _NO_FMA and self.compiler.compiler_type != "msvc":
            ext.extra_compile_args = [*ext.extra_compile_args, "-ffp-contract=off",
                                  "-fno-math-errno"]
        super().build_extension(ext)


setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
      cmdclass={"build_ext": BuildExt})
