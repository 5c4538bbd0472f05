"""Builds the package with the Scramjet C library inside it.

`pip install ./client-c-abi/python` builds `libscramjet.so` with cargo (release profile) in the
workspace this directory belongs to, and copies it into the package. To use a library built
elsewhere, set SCRAMJET_LIB to its path before installing (or at run time).
"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE.parent.parent


def library_path():
    given = os.environ.get("SCRAMJET_LIB")
    if given:
        return Path(given)
    if shutil.which("cargo") and (WORKSPACE / "Cargo.toml").exists():
        subprocess.run(["cargo", "build", "--release", "-p", "scramjet-client"], cwd=WORKSPACE, check=True)
    return WORKSPACE / "target" / "release" / "libscramjet.so"


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        lib = library_path()
        if not lib.exists():
            raise SystemExit(f"libscramjet.so not found at {lib}: build it with "
                             "`cargo build --release -p scramjet-client` or set SCRAMJET_LIB")
        target = Path(self.build_lib) / "scramjet" / "libscramjet.so"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lib, target)


class BinaryDistribution(Distribution):
    """The wheel holds a native library, so it is tagged for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
