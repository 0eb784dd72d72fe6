"""Attributes of a package imported on first use (PEP 562 module ``__getattr__``).

A package lists which of its names live in which submodule; the submodule is
imported the first time one of its names is read, so importing the package
itself stays cheap (no Keras, no backend).

Example:
    >>> getattr_, dir_ = lazy_exports("json", {"JSONDecoder": "json.decoder"}, ["tool"])
    >>> "tool" in dir_() and "JSONDecoder" in dir_()
    True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, names: Mapping[str, str], submodules: Iterable[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``.

    Args:
        package: the package's ``__name__``.
        names: attribute name -> the module that defines it (imported on first use).
        submodules: submodule names returned as modules (``package.submodule``).
    """
    submodules = frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
        elif name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names) | submodules)

    return __getattr__, __dir__
