"""The client library from C and C++, built as a user would: the README's example compiled
with the README's exact command, the C API test program, the static library through
pkg-config, and the C++ wrapper. Needs `cargo build --release -p scramjet-client` (the test
script builds it) and cc/c++."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scramjet_e2e import REPO_ROOT

INCLUDE = REPO_ROOT / "client-c-abi" / "include"
LIBDIR = REPO_ROOT / "target" / "release"
RUN_ENV = dict(os.environ, LD_LIBRARY_PATH=str(LIBDIR))


def compile_and_run(cmd, cwd, binary, server, timeout=120):
    built = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert built.returncode == 0, f"{' '.join(map(str, cmd))}\n{built.stderr}"
    ran = subprocess.run([str(binary), server.host, str(server.port)], cwd=cwd, env=RUN_ENV,
                         capture_output=True, text=True, timeout=timeout)
    assert ran.returncode == 0, f"{binary} failed ({ran.returncode}):\n{ran.stdout}\n{ran.stderr}"
    return ran.stdout


def readme_c_example():
    text = (REPO_ROOT / "README.md").read_text()
    blocks = re.findall(r"```c\n(.*?)```", text, re.S)
    assert blocks, "README.md has no ```c block"
    return blocks[0]


def test_readme_example_is_the_shipped_one_and_runs_as_documented(server, tmp_path):
    example = readme_c_example()
    assert example == (REPO_ROOT / "client-c-abi" / "examples" / "example.c").read_text(), (
        "README's C example and client-c-abi/examples/example.c differ")
    (tmp_path / "example.c").write_text(example)
    # The README's command, run from a directory laid out like the repository root.
    (tmp_path / "client-c-abi").symlink_to(REPO_ROOT / "client-c-abi")
    (tmp_path / "target").symlink_to(REPO_ROOT / "target")
    out = compile_and_run(["cc", "example.c", "-Iclient-c-abi/include", "-Ltarget/release", "-lscramjet"],
                          tmp_path, tmp_path / "a.out", server)
    assert "greeting=hello, world count=42" in out


def test_c_api(server, tmp_path):
    binary = tmp_path / "client_test"
    out = compile_and_run(
        ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread", str(REPO_ROOT / "tests/c/client_test.c"),
         f"-I{INCLUDE}", f"-L{LIBDIR}", "-lscramjet", "-o", str(binary)],
        tmp_path, binary, server)
    assert "ALL PASSED" in out


def pkg_config(*args):
    env = dict(os.environ, PKG_CONFIG_PATH=str(REPO_ROOT / "client-c-abi"))
    done = subprocess.run(["pkg-config", *args, "scramjet"], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("pkg-config") is None, reason="pkg-config is not installed")
def test_static_library_through_pkg_config(server, tmp_path):
    binary = tmp_path / "client_test_static"
    cflags = pkg_config("--cflags")
    # Static: the archive itself, then the system libraries it needs.
    extra = [f for f in pkg_config("--static", "--libs-only-l") if f != "-lscramjet"]
    compile_and_run(["cc", "-std=c11", "-pthread", str(REPO_ROOT / "tests/c/client_test.c"), *cflags,
                     str(LIBDIR / "libscramjet.a"), *extra, "-o", str(binary)], tmp_path, binary, server)
    linked = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    assert "libscramjet" not in linked, linked


@pytest.mark.skipif(shutil.which("c++") is None, reason="no C++ compiler")
def test_cpp_wrapper(server, tmp_path):
    binary = tmp_path / "cpp_client_test"
    out = compile_and_run(
        ["c++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-pthread", str(REPO_ROOT / "tests/cpp/client_test.cpp"),
         f"-I{INCLUDE}", f"-L{LIBDIR}", "-lscramjet", "-o", str(binary)],
        tmp_path, binary, server, timeout=240)
    assert "ALL PASSED" in out
