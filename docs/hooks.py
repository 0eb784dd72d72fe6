"""MkDocs hooks: pages generated at build time from the repository itself.

* ``published-models.md``: the table of ``weights/manifest.json``.
* ``cli.md``: the help of every ``elegans-keras`` command, from
  :func:`elegans_keras.cli.build_parser`.
* ``changelog.md``: the repository's ``CHANGELOG.md`` (a note if it is absent).
* ``connectomes.md``: the table of :func:`elegans_keras.list_connectomes`.
* ``cite.md``: this package's BibTeX entry from ``CITATION.cff``.

The tutorials' kernels get a profile of their own (``on_config``) in which
output written straight to file descriptors 1 and 2 (TensorFlow's native log)
goes to the build's terminal instead of the pages; Python's own prints,
warnings and errors still appear under their cells.

Each page holds a marker comment (``<!-- generated -->``) that the hook
replaces, so the surrounding prose stays in ``docs/``.
"""

from __future__ import annotations

import argparse
import atexit
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "weights" / "manifest.json"
CHANGELOG = ROOT / "CHANGELOG.md"
CITATION = ROOT / "CITATION.cff"
HELP_WIDTH = "100"


def _metric(entry: dict[str, Any]) -> str:
    """The headline test metric of a manifest entry, with the others after it."""
    metrics = entry.get("test_metrics", {})
    headline = "accuracy" if "accuracy" in metrics else "pixel_accuracy"
    parts = [f"{headline} **{metrics[headline]:.4f}**"] if headline in metrics else []
    for key in ("foreground_f1", "ssim"):
        if key in metrics:
            parts.append(f"{key} {metrics[key]:.4f}")
    return ", ".join(parts) or "-"


def _task(entry: dict[str, Any]) -> str:
    """Experiment, data set and target of a manifest entry, in words."""
    data = entry.get("test_data", {})
    mode = entry.get("config", {}).get("mode", "")
    if data.get("target") == "input":
        what = f"reconstruction of {data.get('dataset', '?')} binarised at {data.get('binarize')}"
    else:
        what = f"{data.get('dataset', '?')} classification"
    return f"{what} ({entry.get('factory', '?')}, {mode} mode)"


def models_table(manifest: Path = MANIFEST) -> str:
    """A Markdown table of every published model of ``manifest``."""
    models = json.loads(manifest.read_text(encoding="utf-8"))["models"]
    lines = [
        "| name | task | test metric | parameters (trainable / total) | epochs | "
        "training wall time | published |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, entry in sorted(models.items()):
        params = entry.get("parameters", {})
        minutes = entry.get("wall_time_s", float("nan")) / 60
        lines.append(
            f"| `{name}` | {_task(entry)} | {_metric(entry)} | "
            f"{params.get('trainable', 0):,} / {params.get('total', 0):,} | "
            f"{entry.get('epochs', '?')} | {minutes:.0f} min | {entry.get('published', '?')} |"
        )
    lines += ["", "Commands that trained them (run from the repository root):", ""]
    for name, entry in sorted(models.items()):
        lines += [f"`{name}`", "", "```bash", entry.get("command", "?"), "```", ""]
    return "\n".join(lines)


def _help(parser: argparse.ArgumentParser) -> str:
    """``parser.format_help()`` at a fixed width, the user's home folder as ``~``."""
    text = parser.format_help()
    home = os.path.expanduser("~")
    return text.replace(home, "~") if home not in ("", "/") else text


def cli_reference() -> str:
    """One section per ``elegans-keras`` command with its ``--help`` text."""
    os.environ["COLUMNS"] = HELP_WIDTH
    from elegans_keras.cli import build_parser

    parser = build_parser()
    sections = ["## elegans-keras", "", "```text", _help(parser).rstrip(), "```", ""]
    for action in parser._actions:  # the sub-command table is only reachable this way
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                sections += [f"## {name}", "", "```text", _help(sub).rstrip(), "```", ""]
    return "\n".join(sections)


def changelog() -> str:
    """The repository's CHANGELOG.md without its title; a note when there is none."""
    if not CHANGELOG.is_file():
        return "*This checkout has no `CHANGELOG.md` yet.*"
    text = CHANGELOG.read_text(encoding="utf-8")
    text = re.sub(r"\A\s*# [^\n]*\n", "", text)  # the page has its own title
    # Links relative to the repository root do not exist on the site: keep their text.
    return re.sub(r"\[([^\]]+)\]\((?!https?://|#|mailto:)[^)]*\)", r"\1", text)


def connectomes_table() -> str:
    """The bundled connectomes as a Markdown table (``list_connectomes`` without citations)."""
    from elegans_keras import list_connectomes

    table = list_connectomes()
    columns = [c for c in table.columns if c != "citation"]
    lines = [
        "| name | " + " | ".join(c.replace("_", " ") for c in columns) + " |",
        "| --- |" + " --- |" * len(columns),
    ]
    for name, row in table.iterrows():
        lines.append(f"| `{name}` | " + " | ".join(f"{row[c]:,}" for c in columns) + " |")
    return "\n".join(lines)


def package_citation() -> str:
    """A BibTeX entry for the package from ``CITATION.cff`` (title, authors, version, date)."""
    import yaml  # a dependency of MkDocs

    if not CITATION.is_file():
        return "*This checkout has no `CITATION.cff` yet.*"
    cff = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    authors = " and ".join(
        "{" + a["name"] + "}" if "name" in a else f"{a['family-names']}, {a['given-names']}"
        for a in cff.get("authors", [])
    )
    fields = {
        "title": "{" + cff["title"] + "}",
        "author": authors,
        "version": cff.get("version", ""),
        "year": str(cff.get("date-released", ""))[:4],
        "license": cff.get("license", ""),
    }
    body = ",\n".join(f"  {key:<7} = {{{value}}}" for key, value in fields.items() if value)
    return f"```bibtex\n@software{{elegans_keras,\n{body}\n}}\n```"


GENERATORS: dict[str, Callable[[], str]] = {
    "published-models.md": models_table,
    "cli.md": cli_reference,
    "changelog.md": changelog,
    "connectomes.md": connectomes_table,
    "cite.md": package_citation,
}


def on_config(config: Any, **_: Any) -> Any:
    """Point the notebook kernels at a profile that leaves native output on the terminal."""
    profile = Path(tempfile.mkdtemp(prefix="elegans-keras-docs-ipython-"))
    atexit.register(shutil.rmtree, profile, ignore_errors=True)
    (profile / "profile_default").mkdir()
    (profile / "profile_default" / "ipython_kernel_config.py").write_text(
        "c.IPKernelApp.capture_fd_output = False\n", encoding="utf-8"
    )
    os.environ["IPYTHONDIR"] = str(profile)
    return config


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Replace the page's ``<!-- generated -->`` marker by the generated text."""
    generate = GENERATORS.get(page.file.src_uri)
    if generate is None:
        return markdown
    marker = "<!-- generated -->"
    if marker not in markdown:
        raise ValueError(f"{page.file.src_uri} lacks its {marker} marker")
    with redirect_stdout(io.StringIO()):
        return markdown.replace(marker, generate())
