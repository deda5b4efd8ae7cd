"""Build the compiled kernels (Cython); the rest of the metadata is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

extensions = [
    Extension("sktopo.persistence._pairing", ["sktopo/persistence/_pairing.pyx"]),
    Extension("sktopo.smear._pool2d", ["sktopo/smear/_pool2d.pyx"]),
    Extension("sktopo.optim._step", ["sktopo/optim/_step.pyx"]),
    Extension("sktopo.simplification._flood", ["sktopo/simplification/_flood.pyx"]),
]

# no errno from sqrt and log, so that the loops calling them vectorize
_NO_ERRNO = {"sktopo.optim._step", "sktopo.smear._pool2d"}


class BuildExt(build_ext):
    def build_extension(self, ext):
        if ext.name in _NO_ERRNO and self.compiler.compiler_type != "msvc":
            ext.extra_compile_args = [*ext.extra_compile_args, "-fno-math-errno"]
        super().build_extension(ext)


setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
      cmdclass={"build_ext": BuildExt})
