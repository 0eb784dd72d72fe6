"""Fuzzing every file reader with random bytes: a Connectome or the package's error."""

from __future__ import annotations

from functools import partial

from hypothesis import given
from hypothesis import strategies as st

from elegans_keras import (
    Connectome,
    read_adjacency,
    read_edgelist,
    read_graphml,
)
from fuzz.helpers import (
    fuzz,
    in_temporary_file,
    result_or_error,
)


@fuzz("random_bytes")
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"",
                b"\xff\xfe\x00",
                b"pre,post\n",
                b"<graphml/>",
                b"pre,post\n\xff\xfe,a\n",
                b"pre,post\x00\na,b\n",
            ]
        ),
    )
)
def test_fuzz_random_bytes_read_or_refused(content):
    for suffix, read in (
        (".graphml", read_graphml),
        (".csv", read_edgelist),
        (".csv", read_adjacency),
    ):
        worm = result_or_error(partial(in_temporary_file, content, suffix, read))
        assert worm is None or isinstance(worm, Connectome)
