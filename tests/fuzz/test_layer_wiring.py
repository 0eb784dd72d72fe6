"""Fuzzing layer wiring configs: negative, out-of-range and odd indices, against an oracle."""

from __future__ import annotations

import json
import math
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from elegans_keras import Connectome
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers import ConnectomeDense
from elegans_keras.layers.wiring import wiring_config, wiring_from_config
from fuzz.helpers import (
    NAMES,
    UNICODE_NAMES,
    Refused,
    event,
    expect_error,
    expected_reader_names,
    fuzz,
)

# --- layer wiring configs -------------------------------------------------------------
MASK_VALUES = st.sampled_from([0.0, 0.0, 0.0, 1.0, 2.0, 0.5, 7.0])


SHAPE_DEFECTS = [-1, 0, 2**40, 10**30, math.inf, math.nan, "a", None]


COUNT_VALUES = st.sampled_from(
    [-1.0, -0.5, math.nan, math.inf, "x", None, 10**400, 0.0, 2.5, 1e308]
)


MAX_CONFIG_SIDE = 500_000  # a config naming more neurons than a Connectome may hold is refused


@st.composite
def small_masks(draw: st.DrawFn) -> np.ndarray:
    shape = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    return draw(hnp.arrays(np.float64, shape, elements=MASK_VALUES))


@st.composite
def small_connectomes(draw: st.DrawFn) -> Connectome:
    size = draw(st.integers(1, 5))
    names = draw(
        st.lists(st.one_of(NAMES, UNICODE_NAMES), min_size=size, max_size=size, unique=True)
    )
    roles = draw(st.lists(st.sampled_from("SIM"), min_size=size, max_size=size))
    chemical = draw(hnp.arrays(np.float64, (size, size), elements=MASK_VALUES))
    upper = np.triu(draw(hnp.arrays(np.float64, (size, size), elements=MASK_VALUES)))
    attributes = {}
    if draw(st.booleans()):
        attributes["neurotransmitters"] = tuple(
            draw(st.lists(st.sampled_from(["ACh", "GABA", None]), min_size=size, max_size=size))
        )
    return Connectome(
        names,
        roles,
        chemical=chemical,
        electrical=upper + np.triu(upper, 1).T,
        attributes=attributes,
        name="wired",
    )


def index_values(bound: int) -> st.SearchStrategy:
    """An index on an axis of ``bound`` entries: in range, or negative, too large, not an int."""
    return st.one_of(
        st.integers(0, bound - 1),
        st.sampled_from(
            [-1, -bound, bound, bound + 1, 2**31, 2**40, 2**63, 2**64, 1.0, 0.5, "1", None, [0]]
        ),
    )


@st.composite
def wiring_mutations(draw: st.DrawFn) -> tuple[Any, dict[str, Any], str]:
    """A wiring, its JSON config (as a layer saves it) with at most one change, the change."""
    wiring = draw(st.one_of(small_masks(), small_connectomes()))
    config = json.loads(json.dumps(wiring_config(wiring)))
    connectome = "roles" in config
    kind = draw(
        st.sampled_from(
            [
                "index",
                "index",
                "shape",
                "length",
                "counts",
                "none",
                *(["roles", "roles", "names"] if connectome else []),
            ]
        )
    )
    part = draw(
        st.sampled_from([config["chemical"], config["electrical"]] if connectome else [config])
    )
    if kind == "index":
        axis = draw(st.sampled_from(["pre", "post"]))
        value = draw(index_values(part["shape"][axis == "post"]))
        if part[axis]:
            part[axis][draw(st.integers(0, len(part[axis]) - 1))] = value
        else:
            part["pre"], part["post"] = [0], [0]
            part[axis] = [value]
    elif kind == "shape":
        axis = draw(st.integers(0, 1))
        change = draw(st.sampled_from(["defect", "defect", "larger", "smaller", "length"]))
        if change == "defect":
            part["shape"][axis] = draw(st.sampled_from(SHAPE_DEFECTS))
        elif change == "larger":
            part["shape"][axis] += draw(st.integers(1, 2))
        elif change == "smaller":
            part["shape"][axis] -= 1
        else:
            part["shape"] = part["shape"][:1] if axis else [*part["shape"], 1]
    elif kind == "length":
        axis = draw(st.sampled_from(["pre", "post"]))
        if part[axis] and draw(st.booleans()):
            part[axis].pop(draw(st.integers(0, len(part[axis]) - 1)))
        else:
            part[axis].append(0)
    elif kind == "counts":
        counts = part.setdefault("counts", [1.0] * len(part["pre"]))
        value = draw(COUNT_VALUES)
        if counts:
            counts[draw(st.integers(0, len(counts) - 1))] = value
        else:
            counts.append(value)
    elif kind == "roles":
        indices = config["roles"][draw(st.sampled_from(sorted(config["roles"])))]
        value = draw(index_values(len(config["names"])))
        if indices and draw(st.booleans()):
            indices[draw(st.integers(0, len(indices) - 1))] = value
        else:
            indices.append(value)
    elif kind == "names":
        names = config["names"]
        change = draw(st.sampled_from(["drop", "add", "duplicate", "control"]))
        if change == "drop":
            names.pop()
        elif change == "add":
            names.append(draw(NAMES) + "+")
        elif change == "duplicate":
            names.append(names[0])
        else:
            names[-1] += draw(st.sampled_from(["\n", "\x00", "\tX"]))
    return wiring, config, kind


def _plain_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def oracle_matrix(part: dict[str, Any]) -> np.ndarray:
    """The dense counts a config part describes: shape [rows, cols], pre / post indices in
    range, as many (finite, >= 0) counts (default 1) -- else Refused."""
    shape = part["shape"]
    if not (
        isinstance(shape, list)
        and len(shape) == 2
        and all(map(_plain_int, shape))
        and min(shape) >= 1
    ):
        raise Refused(ConfigurationError)
    if max(shape) > MAX_CONFIG_SIDE:
        raise Refused
    rows, cols = shape
    pre, post = part["pre"], part["post"]
    for values, bound in ((pre, rows), (post, cols)):
        if not (isinstance(values, list) and all(_plain_int(v) and 0 <= v < bound for v in values)):
            raise Refused(ConfigurationError)
    counts = part.get("counts", [1.0] * len(pre))
    if len(pre) != len(post) or len(counts) != len(pre):
        raise Refused(ConfigurationError)
    try:
        counts = [float(count) for count in counts]
    except (TypeError, ValueError, OverflowError):
        raise Refused from None
    if not all(math.isfinite(count) and count >= 0 for count in counts):
        raise Refused
    dense = np.zeros((rows, cols))
    np.add.at(dense, (np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64)), counts)
    return dense


def oracle_wiring(config: dict[str, Any]) -> Any:
    """A mask config's dense counts, or a connectome config's (names, roles, chemical,
    electrical): roles are index lists (others "I"), the matrices (N, N), electrical
    symmetric. Refused (ConfigurationError for a bad index or shape) otherwise."""
    if "roles" not in config:
        return oracle_matrix(config)
    names = config["names"]
    roles = ["I"] * len(names)
    for role, indices in config["roles"].items():
        if not all(_plain_int(i) and 0 <= i < len(names) for i in indices):
            raise Refused(ConfigurationError)
        for i in indices:
            roles[i] = role
    chemical, electrical = oracle_matrix(config["chemical"]), oracle_matrix(config["electrical"])
    if (
        not names
        or expected_reader_names(names, "Connectome") is None
        or chemical.shape != (len(names),) * 2
        or electrical.shape != chemical.shape
        or not np.array_equal(electrical, electrical.T)
    ):
        raise Refused
    return names, roles, chemical, electrical


@fuzz("wiring_config")
@given(wiring_mutations())
def test_fuzz_wiring_config_indices(drawn):
    """wiring_from_config on configs written by wiring_config: negative or out-of-range
    indices (pre, post, roles) and bad shapes are a ConfigurationError; other damage an
    ElegansKerasError; in-range changes read as the changed graph; no change round-trips."""
    wiring, config, kind = drawn
    load = partial(wiring_from_config, config, "fuzz")
    try:
        expected = oracle_wiring(config)
    except Refused as refusal:
        error = expect_error(load)
        assert isinstance(error, refusal.kind), (
            f"{type(error).__name__}, not a {refusal.kind.__name__}: {error}"
        )
        return
    event(f"valid ({kind})")
    result = load()
    if isinstance(expected, np.ndarray):
        assert sp.issparse(result) and result.shape == expected.shape
        np.testing.assert_array_equal(result.toarray(), expected)
        if kind == "none":
            np.testing.assert_array_equal(result.toarray(), wiring)
        return
    names, roles, chemical, electrical = expected
    assert result.names == tuple(names) and result.roles == tuple(roles)
    np.testing.assert_array_equal(result.chemical.toarray(), chemical)
    np.testing.assert_array_equal(result.electrical.toarray(), electrical)
    if kind == "none":
        assert result == wiring and result.name == wiring.name
        assert result.attributes == wiring.attributes


@fuzz("layer_wiring_config")
@given(small_masks(), st.sampled_from(["none", "negative", "too_large"]), st.data())
def test_fuzz_layer_config_wiring(mask, defect, data):
    """A saved ConnectomeDense config loads back to the same layer; with a negative or
    out-of-range synapse index in its wiring it is a ConfigurationError."""
    layer = ConnectomeDense(mask, seed=3)
    inputs = np.ones((1, mask.shape[0]), "float32")
    outputs = np.asarray(layer(inputs))
    config = json.loads(json.dumps(layer.get_config()))
    wiring = config["connectome"]
    if defect != "none" and wiring["pre"]:
        axis = data.draw(st.sampled_from(["pre", "post"]))
        bound = wiring["shape"][axis == "post"]
        wiring[axis][data.draw(st.integers(0, len(wiring[axis]) - 1))] = (
            -data.draw(st.integers(1, 3))
            if defect == "negative"
            else bound + data.draw(st.integers(0, 3))
        )
        error = expect_error(lambda: ConnectomeDense.from_config(config))
        assert isinstance(error, ConfigurationError)
        return
    event("valid")
    again = ConnectomeDense.from_config(config)
    np.testing.assert_array_equal(np.asarray(again(inputs)), outputs)
    np.testing.assert_array_equal(
        np.asarray(again.effective_kernel), np.asarray(layer.effective_kernel)
    )
