"""The machine line every benchmark prints (benchmarks run as scripts from this folder)."""

from __future__ import annotations

import os
import platform

import keras


def machine() -> str:
    """One line: CPU count, platform, Keras backend and versions."""
    backend = keras.backend.backend()
    engine = __import__(backend)
    return (
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}, Keras {keras.__version__}, backend {backend} "
        f"{engine.__version__}"
    )
