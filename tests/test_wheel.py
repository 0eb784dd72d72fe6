"""The built wheel holds every file the code loads: modules, bundled connectomes, MNIST, weights.

CI builds the wheel once (``python -m build``) and points ``ELEGANS_KERAS_WHEEL``
at it; otherwise the test builds one from the checkout (``pip wheel``, no
build isolation, into a temporary folder).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import elegans_keras
from elegans_keras.connectome import list_connectomes
from elegans_keras.datasets.images import expected_files
from elegans_keras.pretrained import read_manifest

PACKAGE = Path(elegans_keras.__file__).parent
ROOT = PACKAGE.parent


def loaded_files() -> set[str]:
    """Paths inside the wheel that the code reads, named by the code itself."""
    data = "elegans_keras/connectome/data"
    files = {
        f"{data}/{name}.{kind}.csv"
        for name in list_connectomes().index
        for kind in ("neurons", "synapses")
    }
    if (PACKAGE / "connectome" / "cells.py").is_file():
        from elegans_keras.connectome import cells

        files.add(f"{data}/{cells.CELL_TABLE}")
    files |= {
        f"elegans_keras/data/mnist/{name}"
        for split in ("train", "test")
        for name in expected_files("mnist", split)
    }
    files.add("elegans_keras/weights/manifest.json")
    files |= {f"elegans_keras/weights/{entry['file']}" for entry in read_manifest().values()}
    files |= {path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*.py")}
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if os.environ.get("ELEGANS_KERAS_WHEEL"):
        return Path(os.environ["ELEGANS_KERAS_WHEEL"])
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return next(out.glob("elegans_keras-*.whl"))


def test_wheel_holds_every_file_the_code_loads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(loaded_files() - names)
    assert not missing, f"{wheel.name} lacks {missing}"


def test_wheel_holds_nothing_but_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    outside = sorted(
        {n.split("/")[0] for n in names}
        - {"elegans_keras"}
        - {n.split("/")[0] for n in names if ".dist-info/" in n}
    )
    assert outside == []
    assert f"elegans_keras-{elegans_keras.__version__}.dist-info/METADATA" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith("elegans_keras/tests")]
