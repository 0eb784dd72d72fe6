"""A reservoir's whole recurrence in one scipy.sparse loop, for TensorFlow on the CPU.

``keras.layers.RNN`` runs a cell once per step; on CPU TensorFlow each step of a
sparse reservoir calls scipy through ``tf.numpy_function``, about 90 us of
overhead per call, more than a 3,000-neuron product itself
(``benchmarks/bench_scale.py``). :func:`host_recurrence` runs all the steps
of ``h_t = (1 - a) h_{t-1} + a tanh(u_t @ W_in + b + h_{t-1} @ W)`` in one
call instead, with ``W^T`` as a CSR matrix made once per sequence, and its
gradient (backpropagation through time) in one more: ``tanh(z_t)`` is read
back from the states, ``(h_t - (1 - a) h_{t-1}) / a``, so nothing but the
states is kept. Used by :class:`~elegans_keras.layers.ReservoirRNN`; like
every ``numpy_function`` model it cannot be XLA-compiled or exported as a
SavedModel (``.keras`` files, ``fit`` and ``predict`` are unaffected).

Example:
    >>> import tensorflow as tf
    >>> syn = synapses_of(np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> states = host_recurrence(tf.ones((1, 3, 1)), tf.ones((1, 2)), tf.zeros(2),
    ...                          tf.constant([0.5, 0.5]), tf.zeros((1, 2)), syn, 1.0, False)
    >>> tuple(states.shape)
    (1, 3, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from elegans_keras.layers.kernels import CHUNK_ELEMENTS, row_offsets, tensorflow_on_host
from elegans_keras.layers.synapses import Synapses

HOST_DTYPES = ("float32", "float64")


def host_recurrence_available(dtype: str) -> bool:
    """True when the backend is TensorFlow without a GPU and ``dtype`` is float32 or float64."""
    import keras

    return keras.backend.backend() == "tensorflow" and dtype in HOST_DTYPES and tensorflow_on_host()


def host_recurrence(
    inputs: Any,
    input_kernel: Any,
    bias: Any,
    entries: Any,
    initial: Any,
    syn: Synapses,
    leak_rate: float,
    entries_trainable: bool,
) -> Any:
    """The (B, T, N) states of the leaky reservoir, differentiable in every argument.

    Args:
        inputs: (B, T, F) input sequences.
        input_kernel: (F, N) input weights (already masked to the input neurons).
        bias: (N,) bias.
        entries: (M,) values of ``W``'s entries (``syn.pre``, ``syn.post`` order).
        initial: (B, N) state before the first step.
        syn: the recurrent synapses (square).
        leak_rate: ``a`` in (0, 1].
        entries_trainable: compute the entries' gradient (else None is returned for it).
    """
    import tensorflow as tf

    dtype = inputs.dtype
    offsets, post, size = row_offsets(syn), syn.post, syn.num_pre

    def transposed(values: np.ndarray) -> sp.csr_array:
        """``W^T`` as CSR (W's row-major arrays read as CSC, converted once)."""
        return sp.csc_array((values, post, offsets), shape=(size, size), copy=False).tocsr()

    def forward(
        u: np.ndarray, w_in: np.ndarray, b: np.ndarray, values: np.ndarray, h0: np.ndarray
    ) -> np.ndarray:
        w_t, states, state = transposed(values), np.empty(u.shape[:2] + (size,), u.dtype), h0
        block = max(1, CHUNK_ELEMENTS // (u.shape[0] * size))  # steps of input drive at a time
        for start in range(0, u.shape[1], block):
            drive = u[:, start : start + block] @ w_in + b
            for k in range(drive.shape[1]):
                # (1 - a) h + a tanh(drive + h W), written in place: no temporary but the product
                activation = drive[:, k]
                activation += _rows_product(w_t, state)
                np.tanh(activation, out=activation)
                activation *= leak_rate
                state_now = states[:, start + k]
                np.multiply(state, 1.0 - leak_rate, out=state_now)
                state_now += activation
                state = state_now
        return states

    def backward(
        up: np.ndarray, states: np.ndarray, values: np.ndarray, h0: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = sp.csr_array((values, post, offsets), shape=(size, size), copy=False)
        drive_grad, carry = np.empty_like(states), np.zeros_like(h0)
        for t in range(states.shape[1] - 1, -1, -1):
            previous = states[:, t - 1] if t else h0
            delta = up[:, t] + carry
            activation = (states[:, t] - (1.0 - leak_rate) * previous) / leak_rate
            drive_grad[:, t] = delta * leak_rate * (1.0 - activation * activation)
            carry = (1.0 - leak_rate) * delta + _rows_product(w, drive_grad[:, t])
        entries_grad = (
            _entry_gradient(states, h0, drive_grad, syn)
            if entries_trainable
            else np.zeros(0, states.dtype)
        )
        return drive_grad, carry, entries_grad

    @tf.custom_gradient
    def run(u: Any, w_in: Any, b: Any, values: Any, h0: Any) -> Any:
        states = tf.numpy_function(forward, [u, w_in, b, values, h0], dtype, stateful=False)
        states.set_shape(u.shape[:2] + (size,))

        def grad(up: Any) -> tuple[Any, ...]:
            drive_grad, h0_grad, entries_grad = tf.numpy_function(
                backward, [up, states, values, h0], [dtype] * 3, stateful=False
            )
            drive_grad.set_shape(states.shape)
            h0_grad.set_shape(h0.shape)
            return (
                tf.einsum("btn,fn->btf", drive_grad, w_in),
                tf.einsum("btf,btn->fn", u, drive_grad),
                tf.reduce_sum(drive_grad, axis=(0, 1)),
                tf.reshape(entries_grad, (syn.num_entries,)) if entries_trainable else None,
                h0_grad,
            )

        return states, grad

    return run(inputs, input_kernel, bias, entries, initial)


def _rows_product(matrix: sp.csr_array, rows: np.ndarray) -> np.ndarray:
    """``rows @ matrix.T`` for (B, N) rows; one matrix-vector product when B is 1."""
    if rows.shape[0] == 1:
        return (matrix @ rows[0])[None]
    return (matrix @ rows.T).T


def _entry_gradient(
    states: np.ndarray, h0: np.ndarray, drive_grad: np.ndarray, syn: Synapses
) -> np.ndarray:
    """``sum_{b,t} h_{t-1}[b, pre] dz_t[b, post]`` per entry, over chunks of rows."""
    previous = np.concatenate([h0[:, None], states[:, :-1]], axis=1).reshape(-1, syn.num_pre)
    rows = drive_grad.reshape(-1, syn.num_post)
    step = max(1, CHUNK_ELEMENTS // max(1, syn.num_entries))
    total = np.zeros(syn.num_entries, states.dtype)
    for start in range(0, rows.shape[0], step):
        total += np.einsum(
            "re,re->e",
            previous[start : start + step][:, syn.pre],
            rows[start : start + step][:, syn.post],
        )
    return total
