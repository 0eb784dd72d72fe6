"""Fuzzing layer and cell arguments: ConnectomeDense masks, ReservoirCell arguments and masks."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from elegans_keras.checks import MAX_SEED
from elegans_keras.connectome.spectrum import spectral_radius
from elegans_keras.layers import ConnectomeDense, ReservoirCell
from fuzz.helpers import (
    BAD_NUMBERS,
    IMPLEMENTATION_POOL,
    REAL_DTYPES,
    SIGN_POOL,
    TINY,
    WEIGHT_POOL,
    expect_error,
    fuzz,
    is_valid_matrix,
    matrices,
    one_mutation,
    result_or_error,
)


# --- layers ---------------------------------------------------------------------------
@fuzz("dense_mask")
@given(
    st.integers(1, 4).flatmap(lambda n: matrices(n, REAL_DTYPES)),
    st.sampled_from(["count", "random"]),
    st.sampled_from(["auto", "dense", "sparse"]),
)
def test_fuzz_connectome_dense_mask(mask, weights, implementation):
    """One value per synapse, none off the mask: |W| = log(1 + count) scaled to unit
    incoming norm per post neuron (weights="count"), unit norms (weights="random")."""
    values = np.asarray(mask, np.float64)
    valid = (
        values.ndim == 2
        and values.size > 0
        and bool(np.all(np.isfinite(values)))
        and bool(np.all(values >= 0))
    )
    build = partial(
        ConnectomeDense, mask, magnitudes=weights, implementation=implementation, seed=0
    )
    if not valid:
        expect_error(build)
        return
    layer = build()
    outputs = np.asarray(layer(np.ones((2, values.shape[0]), dtype="float32")))
    kernel = np.asarray(layer.effective_kernel, dtype=np.float64)
    connected = values != 0
    assert outputs.shape == (2, values.shape[1]) and kernel.shape == values.shape
    assert layer.syn.num_values == int(connected.sum())
    assert np.all(np.isfinite(kernel)) and not np.any(kernel[~connected])
    columns = connected.any(axis=0)
    if weights == "count":
        magnitude = np.where(connected, np.log1p(values), 0.0)
        scale = np.where(columns, magnitude.max(axis=0), 1.0)
        norms = scale * np.sqrt(((magnitude / scale) ** 2).sum(axis=0))
        expected = np.divide(magnitude, norms, out=np.zeros_like(magnitude), where=norms > 0)
        np.testing.assert_allclose(np.abs(kernel), expected, rtol=1e-4, atol=1e-4)
    else:
        np.testing.assert_allclose(np.sqrt((kernel**2).sum(axis=0))[columns], 1.0, rtol=1e-4)
    np.testing.assert_allclose(
        outputs, np.broadcast_to(kernel.sum(axis=0), outputs.shape), rtol=1e-4, atol=1e-4
    )


TINY_GABA = np.isin(np.arange(6), [2, 5])


RESERVOIR_POOLS = {
    "spectral_radius": ([0.1, 0.9, 3.0], [0.0, -0.5, *BAD_NUMBERS]),
    "leak_rate": ([0.01, 0.5, 1.0], [0.0, 1.01, -0.3, *BAD_NUMBERS]),
    "input_scaling": ([0.1, 1.0, 5.0], [0.0, -1.0, *BAD_NUMBERS]),
    "bias_scaling": ([0.0, 0.5], [-0.1, *BAD_NUMBERS]),
    "seed": ([None, 0, 12345, MAX_SEED], [-1, 1.5, "0", True, MAX_SEED + 1]),
    "input_neurons": (
        ["S", "SI", "all", [0, 5], np.array([1, 2])],
        ["X", "", "s-i", [], [0, 0], [6], [-1], [0.5], [2**70], 3, None],
    ),
    "state_neurons": (["all", "M", [4]], ["Q", [], [99], [True, False], None]),
    "magnitudes": WEIGHT_POOL,
    "signs": SIGN_POOL,
    "implementation": IMPLEMENTATION_POOL,
    "synapses": (["all", "chemical", "electrical"], ["gap", "", None, "All"]),
}


def selected_neurons(spec: Any) -> list[int]:
    if isinstance(spec, str):
        return (
            list(range(6))
            if spec == "all"
            else [k for k, role in enumerate(TINY.roles) if role in spec.upper()]
        )
    return sorted(int(i) for i in spec)


@fuzz("reservoir_arguments")
@given(one_mutation(RESERVOIR_POOLS))
def test_fuzz_reservoir_cell_arguments(mutation):
    argument, value, valid = mutation
    build = partial(ReservoirCell, TINY, **{argument: value})
    if not valid:
        expect_error(build)
        return
    cell = build()
    values = cell.initial_recurrent
    assert np.all(np.isfinite(values))
    matrix = cell.syn.matrix(values).toarray()
    # eigenvalues of a defective matrix are only accurate to about sqrt(machine epsilon)
    assert math.isclose(spectral_radius(matrix), cell.spectral_radius, rel_tol=1e-6)
    synapses = value if argument == "synapses" else "all"
    assert not np.any(matrix[~TINY.mask(synapses)])
    pairs = {"all": 8, "chemical": 7, "electrical": 1}[synapses]
    assert cell.syn.num_values == values.size == pairs
    if argument in ("input_neurons", "state_neurons"):
        chosen = cell.input_indices if argument == "input_neurons" else cell.output_indices
        assert list(chosen) == selected_neurons(value)
    counts = TINY.adjacency(synapses)
    if not (argument == "magnitudes" and value == "random"):
        ratio = np.abs(matrix[counts > 0]) / np.log1p(counts[counts > 0])
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
    if argument == "signs" and value == "neurotransmitter":
        chemical = TINY.chemical.toarray() > 0
        inhibitory = chemical & TINY_GABA[:, None]
        assert np.all(matrix[inhibitory] < 0) and np.all(matrix[(counts > 0) & ~inhibitory] > 0)


@fuzz("reservoir_mask")
@given(st.integers(1, 4).flatmap(lambda n: matrices(n, REAL_DTYPES)))
def test_fuzz_reservoir_cell_mask(mask):
    def build() -> ReservoirCell:
        cell = ReservoirCell(mask, input_neurons="all", seed=0)
        cell.initial_recurrent  # noqa: B018 - scaled to the radius (as build does): may raise
        return cell

    square = np.ndim(mask) == 2 and np.shape(mask)[0] == np.shape(mask)[1] > 0
    if not (square and is_valid_matrix(mask, np.shape(mask)[0])):
        expect_error(build)
        return
    cell = result_or_error(build)
    support = np.asarray(mask, np.float64) != 0
    has_cycle = np.any(np.linalg.matrix_power(support.astype(np.int64), len(support)) != 0)
    assert (cell is not None) == bool(has_cycle)
    if cell is not None:
        values = cell.initial_recurrent
        assert np.all(np.isfinite(values)), f"non-finite initial recurrent values {values}"
        matrix = cell.syn.matrix(values).toarray()
        assert not np.any(matrix[~support])
        # a defective dominant eigenvalue (a Jordan block of size k) is only accurate to
        # about machine epsilon ** (1 / k)
        assert math.isclose(spectral_radius(matrix), 0.9, rel_tol=1e-3)
