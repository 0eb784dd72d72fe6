"""TensorFlow's native start-up log kept off stderr, and nothing else.

TensorFlow (through absl) writes ``I0000 ...`` lines (oneDNN, CUDA drivers,
CPU features) straight to file descriptor 2 while it is imported, before
``TF_CPP_MIN_LOG_LEVEL`` takes effect. :func:`native_log_filtered` captures
descriptor 2 around that import and writes back every line except those
native records below the level ``TF_CPP_MIN_LOG_LEVEL`` asks for (the package
defaults it to 3: fatal only). Python's own output on descriptor 2 (errors,
warnings, ``python -X importtime``) comes back in order once the import is
done. ``ELEGANS_KERAS_VERBOSE=1`` turns the filter off.

Example:
    >>> is_native_noise("I0000 00:00:1796301769.461263    7025 port.cc:153] oneDNN on", 3)
    True
    >>> is_native_noise("import time:       412 |        412 | keras", 3)
    False
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator

VERBOSE_VARIABLE = "ELEGANS_KERAS_VERBOSE"
_NATIVE = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w./-]+:\d+\] ")
_ABSL_BANNER = "WARNING: All log messages before absl::InitializeLog() is called"
_LEVELS = "IWEF"


def min_log_level() -> int:
    """``TF_CPP_MIN_LOG_LEVEL`` as an int in 0-3 (0 when unset or not a number)."""
    try:
        return min(max(int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0")), 0), 3)
    except ValueError:
        return 0


def is_native_noise(line: str, level: int) -> bool:
    """Whether ``line`` is an absl/TensorFlow native record below ``level`` (never fatal)."""
    if line.startswith(_ABSL_BANNER):
        return level > 0
    match = _NATIVE.match(line)
    return match is not None and _LEVELS.index(match.group(1)) < min(level, 3)


@contextlib.contextmanager
def native_log_filtered() -> Iterator[None]:
    """Capture descriptor 2 in the block; write back all but the native log below the level."""
    level = min_log_level()
    if os.environ.get(VERBOSE_VARIABLE) or level == 0:
        yield
        return
    _flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (a detached process): nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            _flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            kept = "".join(
                line for line in text.splitlines(keepends=True) if not is_native_noise(line, level)
            )
            data = kept.encode("utf-8")
            while data:
                data = data[os.write(2, data) :]


def _flush() -> None:
    with contextlib.suppress(Exception):
        sys.stderr.flush()
