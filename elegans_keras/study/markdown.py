"""Markdown tables of study results (the report and the arms' report share them)."""

from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame``'s columns and rows, values as ``str`` gives them.

    Example:
        >>> print(markdown_table(pd.DataFrame({"family": ["rewire"], "q": [0.02]})))
        | family | q |
        | --- | --- |
        | rewire | 0.02 |
    """
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])
