"""Keyword-only parameters that still accept last release's positional calls, with a warning.

The connectome functions follow one vocabulary: ``f(connectome, *, seed,
...)``. :func:`legacy_positional` lets a function declared that way still be
called the old way for one release: extra positional arguments are mapped
onto the old parameter order, and renamed keywords onto their new names, each
with a :class:`DeprecationWarning` naming the new form.

Example:
    >>> import warnings
    >>> @legacy_positional(("p", "seed"), renamed={"c": "connectome"})
    ... def rewire_demo(connectome, *, seed, p):
    ...     return connectome, seed, p
    >>> rewire_demo("worm", seed=1, p=0.5)
    ('worm', 1, 0.5)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     rewire_demo("worm", 0.5, 1)
    ('worm', 1, 0.5)
    >>> print(caught[0].message)
    rewire_demo(connectome, p, seed) is deprecated: pass them by keyword,
    rewire_demo(connectome, seed=..., p=...)
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside this package.

    Called from the function that warns, it counts that function and every
    frame above it in ``elegans_keras/connectome`` (a reader, the
    :func:`legacy_positional` wrapper around it, the resolver), so the
    warning names the user's line however many wrappers are between.
    """
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE
    ):
        frame, level = frame.f_back, level + 1
    return level


def rename_keywords(kwargs: dict[str, Any], renamed: Mapping[str, str], name: str) -> None:
    """Move each old keyword of ``kwargs`` to its new name, with a DeprecationWarning.

    ``renamed`` maps old names to new ones; passing both is a TypeError. The
    warning points at the caller of the function that calls this helper's
    wrapper (``stacklevel=3``).

    Example:
        >>> import warnings
        >>> kwargs = {"c": 1}
        >>> with warnings.catch_warnings(record=True):
        ...     warnings.simplefilter("always")
        ...     rename_keywords(kwargs, {"c": "connectome"}, "demo")
        >>> kwargs
        {'connectome': 1}
    """
    for old, new in renamed.items():
        if old in kwargs:
            if new in kwargs:
                raise TypeError(f"{name}() got both {old}= and {new}=")
            warnings.warn(
                f"{name}({old}=...) is deprecated: pass {new}=...",
                DeprecationWarning,
                stacklevel=3,
            )
            kwargs[new] = kwargs.pop(old)


def legacy_positional(
    old_order: Sequence[str],
    renamed: Mapping[str, str] | None = None,
) -> Callable[[F], F]:
    """Map positional arguments beyond the new signature's onto ``old_order``, with a warning.

    Args:
        old_order: the names the extra positional arguments had, in last
            release's order (after the parameters that are still positional).
        renamed: old keyword -> new keyword (e.g. ``{"c": "connectome"}``).

    Returns:
        A decorator; :func:`inspect.signature` of the result is the new one.
    """
    renamed = dict(renamed or {})

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        positional = [
            p.name
            for p in signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        keyword = [p.name for p in signature.parameters.values() if p.kind == p.KEYWORD_ONLY]
        new_form = ", ".join([*positional, *(f"{k}=..." for k in keyword if k in old_order)])

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            rename_keywords(kwargs, renamed, func.__name__)
            extra = args[len(positional) :]
            if extra:
                if len(extra) > len(old_order):
                    raise TypeError(
                        f"{func.__name__}() takes {len(positional)} positional "
                        f"argument(s) and {len(old_order)} deprecated ones, got "
                        f"{len(args)}"
                    )
                names = old_order[: len(extra)]
                twice = [name for name in names if name in kwargs]
                if twice:
                    raise TypeError(f"{func.__name__}() got multiple values for {twice[0]!r}")
                old_form = ", ".join([*positional, *names])
                warnings.warn(
                    f"{func.__name__}({old_form}) is deprecated: pass them by "
                    f"keyword, {func.__name__}({new_form})",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs.update(zip(names, extra))
                args = args[: len(positional)]
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
