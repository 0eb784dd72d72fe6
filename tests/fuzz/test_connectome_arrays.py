"""Fuzzing the Connectome constructor: arrays of every dtype and shape, names and roles."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from elegans_keras import Connectome
from elegans_keras.connectome.metrics import adjacency_spectral_radius
from fuzz.helpers import (
    BAD_ROLES,
    NAMES,
    ROLE_LABELS,
    event,
    expect_error,
    fuzz,
    is_control,
    is_valid_matrix,
    matrices,
    mostly,
    normalized_role,
)

SPARSE_DTYPES = ("float64", "float32", "int64", "int8", "uint8", "bool", "complex128")


def maybe_sparse(array: Any, sparse: bool) -> Any:
    """``array`` as a scipy CSR matrix where asked and scipy holds its dtype."""
    if sparse and np.ndim(array) == 2 and str(np.asarray(array).dtype) in SPARSE_DTYPES:
        return sp.csr_array(array)
    return array


@fuzz("connectome_arrays")
@given(
    st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), matrices(n), matrices(n))),
    st.booleans(),
    st.booleans(),
)
def test_fuzz_connectome_arrays(drawn, chemical_sparse, electrical_sparse):
    size, chemical, electrical = drawn
    names, roles = [f"n{k}" for k in range(size)], ["S"] * size
    build = partial(
        Connectome,
        names,
        roles,
        chemical=maybe_sparse(chemical, chemical_sparse),
        electrical=maybe_sparse(electrical, electrical_sparse),
    )
    valid = is_valid_matrix(chemical, size) and is_valid_matrix(electrical, size)
    if valid and np.array_equal(
        np.asarray(electrical, np.float64), np.asarray(electrical, np.float64).T
    ):
        event("valid")
        worm = build()
        dense = np.asarray(chemical, dtype=np.float64)
        np.testing.assert_array_equal(worm.chemical.toarray(), dense)
        np.testing.assert_array_equal(worm.electrical.toarray(), np.asarray(electrical, np.float64))
        assert isinstance(worm.chemical, sp.csr_array) and worm.chemical.indices.dtype == np.int32
        assert not worm.chemical.data.flags.writeable
        assert worm.num_edges("chemical") == np.count_nonzero(dense)
        total = dense + np.asarray(electrical, np.float64)
        if np.abs(total).max() < 1e100:
            expected = float(np.max(np.abs(np.linalg.eigvals(total))))
            assert math.isclose(
                adjacency_spectral_radius(worm), expected, rel_tol=1e-9, abs_tol=1e-12
            )
    else:
        expect_error(build)


NAME_ITEMS = st.one_of(
    *[NAMES] * 6, st.sampled_from(["", "  ", "a", "a\nb", "\x00", "b\t"]), st.integers()
)


ROLE_ITEMS = st.one_of(*[ROLE_LABELS] * 8, BAD_ROLES, st.none(), st.integers())


@st.composite
def names_and_roles(draw: st.DrawFn) -> tuple[Any, Any]:
    """Name and role lists, mostly of equal length; sometimes not lists at all."""
    size = draw(st.integers(0, 4))
    names = mostly(
        draw, st.lists(NAME_ITEMS, min_size=size, max_size=size), st.sampled_from([None, 3, 2.5])
    )
    roles = mostly(
        draw,
        st.lists(ROLE_ITEMS, min_size=size, max_size=size),
        st.one_of(st.lists(ROLE_ITEMS, max_size=5), st.sampled_from([None, 3])),
    )
    return names, roles


@fuzz("connectome_names")
@given(names_and_roles())
def test_fuzz_connectome_names_and_roles(drawn):
    names, roles = drawn

    def build() -> Connectome:
        size = len(names) if isinstance(names, list) else 1
        return Connectome(
            names, roles, chemical=np.zeros((size, size)), electrical=np.zeros((size, size))
        )

    labels = [str(n) for n in names] if isinstance(names, list) else []
    valid = (
        isinstance(names, list)
        and isinstance(roles, list)
        and 0 < len(names) == len(roles)
        and all(label.strip() and not any(map(is_control, label)) for label in labels)
        and len(set(labels)) == len(labels)
        and all(isinstance(r, str) and r.strip().upper() in ("S", "I", "M", "NA") for r in roles)
    )
    if valid:
        worm = build()
        assert worm.names == tuple(labels)
        assert worm.roles == tuple(normalized_role(r) for r in roles)
    else:
        expect_error(build)
