"""Inputs fuzzing found mishandled, kept as regression cases (all fixed), and the case count."""

from __future__ import annotations

import importlib
import math
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from hypothesis_profiles import budget

from elegans_keras import Connectome
from elegans_keras.errors import ElegansKerasError
from elegans_keras.layers import ConnectomeDense, ReservoirCell
from elegans_keras.layers.wiring import wiring_from_config
from elegans_keras.models import elegans_classifier
from fuzz.helpers import (
    CLASSIFIER_BASE,
    EXAMPLES,
    FUZZ_CASES,
    expect_error,
    lines_named,
    read_text_edgelist,
    result_or_error,
)

# --- found by fuzzing and fixed: complex/string/datetime masks, huge sizes, non-path specs ---
UNVALIDATED = {
    "ConnectomeDense complex mask": lambda: ConnectomeDense(np.array([[1 + 1j, 0], [0, 1]])),
    "ConnectomeDense string mask": lambda: ConnectomeDense(np.array([["1", "0"], ["0", "1"]])),
    "ReservoirCell datetime mask": lambda: ReservoirCell(
        np.array([[np.datetime64(1, "s")]]), input_neurons="all"
    ),
    "ConnectomeDense huge count": lambda: ConnectomeDense([[10**400]]),
    "classifier steps=2**70": lambda: elegans_classifier(**CLASSIFIER_BASE | {"steps": 2**70}),
    "classifier features=2**70": lambda: elegans_classifier(
        **CLASSIFIER_BASE | {"features": 2**70}
    ),
    "classifier num_heads=2**70": lambda: elegans_classifier(
        **CLASSIFIER_BASE | {"num_heads": 2**70}
    ),
    "resolve_connectome(42)": lambda: elegans_classifier(**CLASSIFIER_BASE | {"connectome": 42}),
}


@pytest.mark.parametrize("case", sorted(UNVALIDATED))
def test_fuzz_found_unvalidated_input(case):
    with pytest.raises(ElegansKerasError):
        UNVALIDATED[case]()


# --- found by the reader, name and wiring families and fixed: each is refused, by line ----
def _reservoir_weights_finite() -> None:
    """Subnormal counts: the scale 0.9 / (a subnormal radius) once overflowed to inf weights."""
    cell = result_or_error(
        lambda: ReservoirCell(np.array([[0.0, 5e-324], [5e-324, 0.0]]), input_neurons="all", seed=0)
    )
    assert cell is None or np.all(np.isfinite(cell.initial_recurrent)), cell.initial_recurrent


def _dense_weights_on_the_mask() -> None:
    """A synapse of subnormal count once got weight 0 (its unit-norm scaling underflowed)."""
    layer = result_or_error(lambda: ConnectomeDense(np.array([[5e-324, 1.0]]), seed=0))
    if layer is not None:
        layer(np.ones((1, 1), "float32"))
        np.testing.assert_allclose(
            np.abs(np.asarray(layer.effective_kernel)), [[1.0, 1.0]], rtol=1e-6
        )


REFUSALS = {
    # read_rows passed on pandas' "EOF inside string starting at row N" (a 0-based row).
    "edge list: a quote left open to the end of the file": (
        partial(read_text_edgelist, 'pre,post\nA,B\n"C,D\nE,F\n'),
        3,
    ),
    # read_rows: pandas' ParserWarning for the first data row had no line number.
    "edge list: two extra fields on the first data row": (
        partial(read_text_edgelist, "pre,post\nA,B,x,y\nC,D\n"),
        2,
    ),
    # build_connectome (tables.py) named the neuron table row, not the file line.
    "edge list: an empty post name": (partial(read_text_edgelist, "pre,post\nA,B\nC,\n"), 3),
    # core._CONTROL (and tables._neurons) covered C0 and DEL, not the C1 controls.
    "Connectome: a name holding U+0085 NEXT LINE": (
        lambda: Connectome(
            ["A\x85B", "C"], ["S", "S"], chemical=np.zeros((2, 2)), electrical=np.zeros((2, 2))
        ),
        None,
    ),
    # layers/wiring.py _matrix_from_config: int() / np.asarray raised OverflowError /
    # MemoryError, which _wiring_from_dict did not turn into a ConfigurationError.
    "wiring config: shape [inf, 1]": (
        partial(wiring_from_config, {"shape": [math.inf, 1], "pre": [], "post": []}, "fuzz"),
        None,
    ),
    "wiring config: shape [10**30, 1]": (
        partial(wiring_from_config, {"shape": [10**30, 1], "pre": [], "post": []}, "fuzz"),
        None,
    ),
    "wiring config: shape [2**40, 1]": (
        partial(wiring_from_config, {"shape": [2**40, 1], "pre": [], "post": []}, "fuzz"),
        None,
    ),
    "wiring config: count 10**400": (
        partial(
            wiring_from_config,
            {"shape": [1, 1], "pre": [0], "post": [0], "counts": [10**400]},
            "fuzz",
        ),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_fuzz_found_refusals_name_their_line(case):
    call, line = REFUSALS[case]
    error = expect_error(call)
    if line is not None:
        assert line in lines_named(error), f"should name line {line}: {error}"


@pytest.mark.parametrize(
    "check",
    [_reservoir_weights_finite, _dense_weights_on_the_mask],
    ids=["ReservoirCell subnormal counts", "ConnectomeDense subnormal count"],
)
def test_fuzz_found_scaling_stays_finite_and_on_the_mask(check):
    check()


def property_tests() -> dict[str, object]:
    """Every hypothesis test of the fuzz modules, by module and name."""
    found = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(f"fuzz.{path.stem}")
        for key, value in vars(module).items():
            if key.startswith("test_") and hasattr(value, "hypothesis"):
                found[f"{path.stem}::{key}"] = value
    return found


def test_fuzz_cases_total_is_documented():
    """FUZZ_CASES is the sum of max_examples over the property tests, as the helpers say."""
    from fuzz import helpers

    properties = property_tests()
    assert sum(
        test._hypothesis_internal_use_settings.max_examples for test in properties.values()
    ) == budget(FUZZ_CASES)
    assert len(properties) == len(EXAMPLES)
    assert f"({FUZZ_CASES:,})" in " ".join(helpers.__doc__.split())
