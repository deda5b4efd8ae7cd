"""Build the compiled kernels (Cython); the rest of the metadata is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

extensions = [
    Extension("sktopo.persistence._pairing", ["sktopo/persistence/_pairing.pyx"],
              include_dirs=["sktopo/persistence"],
              depends=["sktopo/persistence/_image_neighbours.h"]),
    Extension("sktopo.persistence._regular", ["sktopo/persistence/_regular.pyx"],
              include_dirs=["sktopo/persistence"],
              depends=["sktopo/persistence/_image_neighbours.h"]),
    Extension("sktopo.persistence._union_find", ["sktopo/persistence/_union_find.pyx"]),
    Extension("sktopo.persistence._sort", ["sktopo/persistence/_sort.pyx"]),
    Extension("sktopo.persistence._glue", ["sktopo/persistence/_glue.pyx"]),
    Extension("sktopo.persistence._workspace", ["sktopo/persistence/_workspace.pyx"]),
    Extension("sktopo.persistence._labels", ["sktopo/persistence/_labels.pyx"],
              include_dirs=["sktopo/persistence"],
              depends=["sktopo/persistence/_image_neighbours.h"]),
    Extension("sktopo.persistence._norm_terms", ["sktopo/persistence/_norm_terms.pyx"]),
    Extension("sktopo.persistence._volume", ["sktopo/persistence/_volume.pyx"]),
    Extension("sktopo.persistence._signal", ["sktopo/persistence/_signal.pyx"]),
    Extension("sktopo.persistence._graph", ["sktopo/persistence/_graph.pyx"]),
    Extension("sktopo.persistence._cubical3d", ["sktopo/persistence/_cubical3d.pyx"]),
    Extension("sktopo.persistence._rips", ["sktopo/persistence/_rips.pyx"], language="c++",
              include_dirs=["sktopo/persistence"], extra_compile_args=["-std=c++14"],
              depends=["sktopo/persistence/_rips_core.hpp",
                       "sktopo/persistence/_rips_entry.hpp"]),
    Extension("sktopo.smear._pool2d", ["sktopo/smear/_pool2d.pyx"]),
    Extension("sktopo.optim._step", ["sktopo/optim/_step.pyx"]),
    Extension("sktopo.optim._critical_sets", ["sktopo/optim/_critical_sets.pyx"]),
    Extension("sktopo.simplification._flood", ["sktopo/simplification/_flood.pyx"]),
    Extension("sktopo.simplification._local", ["sktopo/simplification/_local.pyx"]),
    Extension("sktopo.simplification._channels", ["sktopo/simplification/_channels.pyx"]),
    Extension("sktopo.simplification._descent", ["sktopo/simplification/_descent.pyx"]),
    Extension("sktopo.simplification._plateau", ["sktopo/simplification/_plateau.pyx"]),
]

# no errno from sqrt and log, so that the loops calling them vectorize
_NO_ERRNO = {"sktopo.optim._step", "sktopo.smear._pool2d"}
# edge lengths computed in C equal to np.linalg.norm's: no fused multiply-add
_NO_FMA = {"sktopo.persistence._rips"}


class BuildExt(build_ext):
    def build_extension(self, ext):
        if self.compiler.compiler_type != "msvc":
            # -O3 whatever the Python was built with: Debian's python3 passes -O2, under
            # which GCC 12 vectorizes only the cheapest loops (measured: `sktopo demo`'s
            # STUMP steps 1.9x slower, 7.4x sooner than vanilla instead of 11x)
            ext.extra_compile_args = [*ext.extra_compile_args, "-O3"]
            if ext.name in _NO_ERRNO:
                ext.extra_compile_args = [*ext.extra_compile_args, "-fno-math-errno"]
            if ext.name in _NO_FMA:
                ext.extra_compile_args = [*ext.extra_compile_args, "-ffp-contract=off"]
        super().build_extension(ext)


setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
      cmdclass={"build_ext": BuildExt})
