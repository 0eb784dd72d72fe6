"""Griffe extension for the API reference: the package's docstring markup, read as Markdown.

* The docstrings title their doctests ``Example:``; Griffe knows only
  ``Examples:`` and would render the singular form as an admonition of Markdown
  text (where a doctest output such as ``[...][:3]`` reads as a broken link).
* Cross-references are written in Sphinx roles (``:func:`~pkg.mod.name```),
  which Markdown would show verbatim; they become inline code (``name``, or
  the full path without ``~``).

Only the docstring text given to the parser changes; the source is untouched.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")


def _role_as_code(match: re.Match[str]) -> str:
    """``:role:`~a.b.c``` -> ```c```; ``:role:`a.b.c``` -> ```a.b.c```."""
    target = match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"


class DocstringMarkup(griffe.Extension):
    """Rename ``Example:`` sections to ``Examples:`` and turn Sphinx roles into code."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite the object's docstring before it is parsed."""
        if obj.docstring is not None:
            text = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = _ROLE.sub(_role_as_code, text)
