"""pip's way in to the loupe package: builds it with the project's CMake build.

    /usr/bin/python3 -m pip install --no-build-isolation tools/python/

Offline, with Debian's setuptools and wheel (python3-setuptools, python3-wheel)
and the build dependencies tools/install-deps.sh installs: nothing comes from
any other registry. The build runs in build-pip/ at the top of the source
tree (kept between runs, so a second install rebuilds only what changed);
LOUPE_PIP_BUILD_DIR chooses another folder. The wheel holds the package and
the libloupe it links, found by the module next to itself.
"""
import os
import re
import shutil
import subprocess
import sys

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(Loupe VERSION ([0-9.]+)", f.read()).group(1)


class BuildWithCMake(build_py):
    """Builds Loupe with CMake and puts the installed package into the wheel."""

    def run(self):
        build = os.environ.get("LOUPE_PIP_BUILD_DIR", os.path.join(ROOT, "build-pip"))
        stage = os.path.join(build, "stage")
        jobs = str(min(os.cpu_count() or 1, 2))
        # The package and libloupe in one folder, so the module finds the library beside itself.
        subprocess.check_call([
            "cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DLOUPE_BUILD_TESTS=OFF",
            "-DLOUPE_PYTHON=ON", f"-DPython_EXECUTABLE={sys.executable}", f"-DCMAKE_INSTALL_PREFIX={stage}",
            "-DLOUPE_PYTHON_INSTALL_DIR=pkg", "-DCMAKE_INSTALL_LIBDIR=pkg/loupe"])
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            if "LOUPE_PYTHON_BUILT:INTERNAL=ON" not in f.read():
                raise SystemExit("loupe: the Python package cannot be built here: install pybind11-dev and "
                                 "python3-dev (tools/install-deps.sh does)")
        subprocess.check_call(["cmake", "--build", build, "-j", jobs])
        shutil.rmtree(stage, ignore_errors=True)
        subprocess.check_call(["cmake", "--install", build])
        built = os.path.join(stage, "pkg", "loupe")
        out = os.path.join(self.build_lib, "loupe")
        os.makedirs(out, exist_ok=True)
        major_minor = ".".join(project_version().split(".")[:2])
        for name in os.listdir(built):
            if name.startswith("libloupe") and name != f"libloupe.so.{major_minor}":
                continue  # the module needs the library by its soname only
            if name.endswith((".py", ".pyi", ".so", ".typed")) or name.startswith("libloupe"):
                shutil.copy2(os.path.join(built, name), os.path.join(out, name))


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(
    name="loupe",
    version=project_version(),
    description="Full-text search over news archives (the Loupe engine)",
    packages=["loupe"],
    package_dir={"loupe": "loupe"},
    python_requires=">=3.9",
    cmdclass={"build_py": BuildWithCMake},
    distclass=BinaryDistribution,
    zip_safe=False,
)
