"""Fuzzing the command line: any connectome argument or stray option exits 0 or 2, no traceback.

``elegans-keras info SPEC`` goes through the resolver (every reader behind
it), so the arguments mix the resolver's prefixes, bundled names, files of
every layout (valid, damaged or random bytes, plain or gzip), folders and
random text; argparse's own refusals (unknown options) exit 2 as well.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elegans_keras.cli import main
from fuzz.helpers import event, fuzz

PREFIXES = ["", "bundled:", "graphml:", "edgelist:", "adjacency:", "flywire:", "neuprint:", "x:"]
FILES = {
    "edges.csv": b"pre,post,count\nA,B,2\nB,C,1\n",
    "sheet.csv": b",A,B\nA,0,3\nB,1,0\n",
    "connections.csv": b"pre_root_id,post_root_id,syn_count\n11,22,3\n22,33,1\n",
    "bodies.csv": b"bodyId_pre,bodyId_post,weight\n1,2,3\n",
    "plain.graphml": (
        b'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        b'<graph edgedefault="directed"><node id="a"/><node id="b"/>'
        b'<edge source="a" target="b"/></graph></graphml>'
    ),
    "quote.csv": b'pre,post\nA,"B\nC,D\n',
    "empty.csv": b"",
}
# Text an argument vector can carry: no NUL, no lone surrogate.
ARGUMENT_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)


@st.composite
def connectome_arguments(draw: st.DrawFn) -> tuple[str, dict[str, bytes], bool]:
    """(SPEC relative to a fresh folder, the files to write there, whether they are gzip)."""
    names = draw(st.lists(st.sampled_from(sorted(FILES)), min_size=1, max_size=3, unique=True))
    files = {name: FILES[name] for name in names}
    if draw(st.booleans()):
        files["random.csv"] = draw(st.binary(max_size=80))
    packed = draw(st.booleans())
    body = draw(
        st.one_of(
            st.sampled_from([*names, *files, "witvliet2021_1", "nowhere.csv", "."]),
            st.lists(st.sampled_from([*files, ""]), min_size=2, max_size=4).map(",".join),
            ARGUMENT_TEXT,
        )
    )
    return draw(st.sampled_from(PREFIXES)) + body, files, packed


@fuzz("cli_arguments")
@given(
    connectome_arguments(),
    st.lists(st.sampled_from(["-q", "--bogus", "--seed", "x", "info"]), max_size=2),
)
def test_fuzz_cli_info_exits_0_or_2_with_one_error_line(argument, extra):
    spec, files, packed = argument
    err = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            (Path(folder) / name).write_bytes(gzip.compress(content) if packed else content)
        spec = spec if not spec or spec.startswith("witvliet") else _inside(folder, spec)
        argv = ["info", spec, *extra]
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(argv)
            except SystemExit as exit:  # argparse's refusal of an unknown option or argument
                code = exit.code
                assert code == 2 and "error:" in err.getvalue(), argv
                event("exit 2 (argparse)")
                return
    event(f"exit {code}")
    assert code in (0, 2), argv
    if code == 2:
        message = err.getvalue()
        assert message.startswith("elegans-keras: error: ") and message.count("\n") == 1, message


def _inside(folder: str, spec: str) -> str:
    """The spec with each comma-separated path part made absolute inside ``folder``."""
    prefix, colon, rest = spec.partition(":")
    if not colon or len(prefix) < 2:  # no prefix (or a drive-like one): the whole is a path
        prefix, rest = "", spec
    else:
        prefix += ":"
    parts = [str(Path(folder) / part) if part else "" for part in rest.split(",")]
    return prefix + ",".join(parts)


@pytest.mark.parametrize(
    "name, packed",
    [
        (name, packed)
        for name in ("edges.csv", "sheet.csv", "connections.csv", "bodies.csv", "plain.graphml")
        for packed in (False, True)
        if not (packed and name.endswith(".graphml"))  # XML, not read by the CSV engine
    ],
)
def test_cli_info_reads_every_layout_plain_or_gzip(tmp_path, capsys, name, packed):
    """The fuzz family's valid files: each one's layout is read, gzip or not."""
    content = FILES[name]
    path = tmp_path / name
    path.write_bytes(gzip.compress(content) if packed else content)
    assert main(["info", str(path)]) == 0, capsys.readouterr().err
    assert "described" in capsys.readouterr().out
