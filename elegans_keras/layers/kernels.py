"""Signal propagation along synapses: one function, a dense and a sparse implementation.

:func:`propagate` computes ``y = x @ W`` over the last axis of ``x`` (neurons):
``y[..., j] = sum_i W[i, j] x[..., i]`` for the (pre, post) matrix ``W`` whose
nonzero entries are a layer's synapses
(:class:`~elegans_keras.layers.synapses.Synapses`). Keeping neurons last
makes the dense product one matmul with no transpose.

* ``"dense"`` builds ``W`` (``keras.ops.segment_sum`` of the entry values
  into N_pre x N_post cells) and multiplies with ``keras.ops.matmul``: the
  fastest there is for the worm, and backend-neutral.
* ``"sparse"`` never builds ``W``: a sparse-times-dense product forward, the
  transposed product for the input gradient, and the gradient of each
  synapse value ``sum_r x[r, pre] dy[r, post]`` (r over all leading axes) computed over
  chunks of :data:`CHUNK_ELEMENTS` numbers, so memory stays bounded whatever
  the number of synapses. Each backend has its own kernel here (TensorFlow:
  ``tf.sparse.sparse_dense_matmul`` under ``tf.custom_gradient``; JAX:
  chunked ``segment_sum`` under ``jax.custom_vjp``; PyTorch: CSR ``torch.sparse``
  products in an ``autograd.Function``); all three agree with the dense path
  (``tests/test_layers_kernels.py``).
* ``"auto"`` is dense up to :data:`DENSE_MAX_NEURONS` neurons and sparse above
  (the crossover measured by ``benchmarks/bench_scale.py``).

Example:
    >>> syn = synapses_of(np.array([[0.0, 2.0], [1.0, 0.0]]))
    >>> y = propagate(np.ones((1, 2)), np.array([2.0, 1.0]), syn, "sparse")
    >>> np.asarray(y)[0].tolist()
    [1.0, 2.0]
"""

from __future__ import annotations

import functools
from typing import Any

import keras
import numpy as np
from keras import ops

from elegans_keras.checks import check_choice
from elegans_keras.layers.synapses import Synapses

IMPLEMENTATIONS = ("auto", "dense", "sparse")
DENSE_MAX_NEURONS = 2048
CHUNK_ELEMENTS = 1 << 24
# the batch size assumed when a graph is traced with an unknown batch (chunk sizing only)
TRACE_BATCH = 128


def choose(implementation: str, syn: Synapses, where: str) -> str:
    """``"dense"`` or ``"sparse"`` for an implementation argument (``"auto"`` decides by size).

    Example:
        >>> choose("auto", synapses_of(load_connectome()), "demo")
        'dense'
    """
    check_choice(implementation, "implementation", where, IMPLEMENTATIONS)
    if implementation != "auto":
        return implementation
    return "dense" if max(syn.num_pre, syn.num_post) <= DENSE_MAX_NEURONS else "sparse"


def entry_values(values: Any, syn: Synapses) -> Any:
    """The (M,) entry values from the (V,) trainable values (shared gap junctions, summed pairs)."""
    if syn.one_to_one:
        return values
    contributions = ops.take(values, syn.value_index, axis=0)
    return ops.segment_sum(contributions, syn.entry_index, num_segments=syn.num_entries)


def dense_matrix(values: Any, syn: Synapses) -> Any:
    """The dense (N_pre, N_post) synaptic matrix of the trainable values."""
    flat = syn.pre.astype(np.int64) * syn.num_post + syn.post
    cells = ops.segment_sum(entry_values(values, syn), flat, num_segments=syn.num_pre * syn.num_post)
    return ops.reshape(cells, (syn.num_pre, syn.num_post))


def propagate(x: Any, values: Any, syn: Synapses, implementation: str) -> Any:
    """``y = x @ W`` over the last axis: ``y[..., j] = sum_i W[i, j] x[..., i]``.

    Args:
        x: (..., N_pre) tensor (any leading axes: batch, features...).
        values: (V,) trainable values (one per synapse pair).
        syn: the synapses.
        implementation: ``"dense"`` or ``"sparse"`` (see :func:`choose`).
    """
    if implementation == "dense":
        return ops.matmul(x, ops.cast(dense_matrix(values, syn), x.dtype))
    weights = ops.cast(entry_values(values, syn), x.dtype)
    backend = keras.backend.backend()
    kernel = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}.get(backend)
    if kernel is None:
        raise NotImplementedError(f"no sparse kernel for the {backend!r} backend")
    leading = ops.shape(x)[:-1]
    rows = ops.reshape(x, (-1, syn.num_pre))
    rows_static = int(np.prod(x.shape[:-1])) if None not in x.shape[:-1] else None
    out = kernel(rows, weights, syn, rows_static)
    return ops.reshape(out, (*leading, syn.num_post))


def _chunk(columns: int | None) -> int:
    """Synapses per chunk so that a chunk's gathered columns hold about CHUNK_ELEMENTS numbers."""
    return max(256, CHUNK_ELEMENTS // max(1, columns or TRACE_BATCH))


# --- TensorFlow ------------------------------------------------------------------------
def _tensorflow(rows: Any, weights: Any, syn: Synapses, count: int | None) -> Any:
    import tensorflow as tf

    indices = tf.constant(np.stack([syn.pre, syn.post], axis=1), dtype=tf.int64)
    pre = tf.constant(syn.pre, dtype=tf.int32)
    post = tf.constant(syn.post, dtype=tf.int32)
    chunk = _chunk(count)
    bounds = [(start, min(start + chunk, syn.num_entries))
              for start in range(0, syn.num_entries, chunk)]

    @tf.custom_gradient
    def run(inputs: Any, w: Any) -> Any:
        columns = tf.transpose(inputs)
        matrix = tf.sparse.SparseTensor(indices, w, (syn.num_pre, syn.num_post))
        result = tf.transpose(tf.sparse.sparse_dense_matmul(matrix, columns, adjoint_a=True))

        def grad(upstream: Any) -> tuple[Any, Any]:
            up = tf.transpose(upstream)
            d_inputs = tf.transpose(tf.sparse.sparse_dense_matmul(matrix, up))
            d_w = tf.concat([
                tf.reduce_sum(tf.gather(columns, pre[a:b]) * tf.gather(up, post[a:b]), axis=1)
                for a, b in bounds
            ], axis=0)
            return d_inputs, d_w

        return result, grad

    return run(rows, weights)


# --- JAX ---------------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _jax_kernel(syn: Synapses, count: int) -> Any:
    import jax
    import jax.numpy as jnp

    chunk = min(_chunk(count), max(syn.num_entries, 1))
    chunks = -(-syn.num_entries // chunk)
    pad = chunks * chunk - syn.num_entries
    # NumPy, not jnp: a jnp constant made inside a trace would leak into the cache as a tracer
    pre = np.pad(syn.pre, (0, pad)).reshape(chunks, chunk)
    post = np.pad(syn.post, (0, pad)).reshape(chunks, chunk)

    def scatter_rows(source: Any, w: Any, sources: Any, targets: Any, size: int) -> Any:
        """out[target] += w * source[origin] over neuron rows of (N, count) columns."""
        w = jnp.pad(w, (0, pad)).reshape(chunks, chunk)

        def step(total: Any, part: tuple[Any, Any, Any]) -> tuple[Any, None]:
            weight, origin, target = part
            update = jax.ops.segment_sum(weight[:, None] * source[origin], target,
                                         num_segments=size)
            return total + update, None

        initial = jnp.zeros((size, source.shape[1]), source.dtype)
        return jax.lax.scan(step, initial, (w, sources, targets))[0]

    @jax.custom_vjp
    def run(inputs: Any, w: Any) -> Any:
        return scatter_rows(inputs.T, w, pre, post, syn.num_post).T

    def forward(inputs: Any, w: Any) -> tuple[Any, tuple[Any, Any]]:
        return run(inputs, w), (inputs, w)

    def backward(saved: tuple[Any, Any], upstream: Any) -> tuple[Any, Any]:
        inputs, w = saved
        source, up = inputs.T, upstream.T
        d_inputs = scatter_rows(up, w, post, pre, syn.num_pre).T

        def dots(_: None, part: tuple[Any, Any]) -> tuple[None, Any]:
            origin, target = part
            return None, jnp.sum(source[origin] * up[target], axis=1)

        d_w = jax.lax.scan(dots, None, (pre, post))[1].reshape(-1)[: syn.num_entries]
        return d_inputs, d_w

    run.defvjp(forward, backward)
    return run


def _jax(rows: Any, weights: Any, syn: Synapses, count: int | None) -> Any:
    return _jax_kernel(syn, int(rows.shape[0]))(rows, weights)


# --- PyTorch -----------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _torch_indices(syn: Synapses, device: Any) -> dict[str, Any]:
    import torch

    by_post = np.lexsort((syn.pre, syn.post))

    def offsets(index: np.ndarray, size: int) -> Any:
        counts = np.bincount(index, minlength=size)
        return torch.as_tensor(np.concatenate([[0], np.cumsum(counts)]), device=device)

    return {
        "pre": torch.as_tensor(syn.pre.astype(np.int64), device=device),
        "post": torch.as_tensor(syn.post.astype(np.int64), device=device),
        "by_post": torch.as_tensor(by_post, device=device),
        "pre_rows": offsets(syn.pre, syn.num_pre),
        "post_rows": offsets(syn.post[by_post], syn.num_post),
        "post_columns": torch.as_tensor(syn.pre[by_post].astype(np.int64), device=device),
    }


def _torch(rows: Any, weights: Any, syn: Synapses, count: int | None) -> Any:
    import torch

    index = _torch_indices(syn, rows.device)

    class Propagate(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, inputs: Any, w: Any) -> Any:
            columns = inputs.T.contiguous()
            matrix = torch.sparse_csr_tensor(index["post_rows"], index["post_columns"],
                                             w[index["by_post"]], (syn.num_post, syn.num_pre))
            ctx.save_for_backward(columns, w)
            return (matrix @ columns).T

        @staticmethod
        def backward(ctx: Any, upstream: Any) -> tuple[Any, Any]:
            columns, w = ctx.saved_tensors
            up = upstream.T.contiguous()
            matrix = torch.sparse_csr_tensor(index["pre_rows"], index["post"], w,
                                             (syn.num_pre, syn.num_post))
            d_inputs = (matrix @ up).T
            chunk = _chunk(columns.shape[1])
            d_w = torch.cat([
                (columns[index["pre"][a:a + chunk]] * up[index["post"][a:a + chunk]]).sum(1)
                for a in range(0, syn.num_entries, chunk)
            ])
            return d_inputs, d_w

    return Propagate.apply(rows, weights)
