"""What every benchmark shares: the machine line, the load, writing its section of RESULTS.md."""

from __future__ import annotations

import datetime
import os
import platform
import re
from pathlib import Path

import keras

from elegans_keras.atomic import atomic_path, locked

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    """One line: CPU count, platform, Keras backend and versions."""
    backend = keras.backend.backend()
    engine = __import__(backend)
    return (
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}, Keras {keras.__version__}, backend {backend} "
        f"{engine.__version__}"
    )


def load() -> str:
    """The 1-, 5- and 15-minute load averages, e.g. ``"load 0.42 0.51 0.60"``."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def stamp() -> str:
    """The UTC date and time, to the minute."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def write_section(title: str, body: str, path: Path = RESULTS) -> Path:
    """Replace (or append) the section ``## title`` of RESULTS.md with ``body``, atomically.

    The section runs to the next ``## `` heading; other sections are kept as they are.
    """
    with locked(path.with_name(f".{path.name}.lock")):
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
        section = f"## {title}\n\n{body.strip()}\n\n"
        pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
        text = (
            pattern.sub(lambda _: section, text)
            if pattern.search(text)
            else text.rstrip() + "\n\n" + section
        )
        with atomic_path(path) as temporary:
            Path(temporary).write_text(text.rstrip() + "\n", encoding="utf-8")
    return path
