"""Signal propagation along synapses: one function, a dense and a sparse implementation.

:func:`propagate` computes ``y = x @ W`` over the last axis of ``x`` (neurons):
``y[..., j] = sum_i W[i, j] x[..., i]`` for the (pre, post) matrix ``W`` whose
nonzero entries are a layer's synapses
(:class:`~elegans_keras.layers.synapses.Synapses`); ``axis`` names another
neuron axis. Keeping neurons last makes the dense product one matmul with
no transpose; sparse products work on neuron-first ``(N, C)`` columns, so
``(batch, N, F)`` states are transposed in and out (the TensorFlow kernel
transposes the inputs again in the backward pass rather than keep the
forward pass's copy: one (batch, N, F) tensor less at the peak).

* ``"dense"`` builds ``W`` (``keras.ops.segment_sum`` of the entry values
  into N_pre x N_post cells) and multiplies with ``keras.ops.matmul``: the
  fastest there is for the worm, and backend-neutral.
* ``"sparse"`` never builds ``W``: a sparse-times-dense product forward, the
  transposed product for the input gradient, and the gradient of each
  synapse value ``sum_r x[r, pre] dy[r, post]`` (r over all leading axes) computed over
  chunks of :data:`CHUNK_ELEMENTS` numbers, so memory stays bounded whatever
  the number of synapses. Each backend has its own kernel here (TensorFlow:
  CSR ``SparseMatrixMatMul`` for many rows and, for a few, scipy.sparse on
  CPU or COO ``sparse_dense_matmul`` on GPU, under ``tf.custom_gradient``; JAX:
  chunked ``segment_sum`` under ``jax.custom_vjp``; PyTorch: CSR ``torch.sparse``
  products in an ``autograd.Function``); all three agree with the dense path
  (``tests/test_layers_kernels.py``).
* ``"auto"`` is dense up to :data:`DENSE_MAX_NEURONS` neurons and sparse above
  (dense is faster on the 279-neuron worm, sparse on the 1,240-neuron larva:
  ``benchmarks/bench_crossover.py``).

A dense ``W`` is refused (ConfigurationError, before anything is allocated)
when its N_pre x N_post cells exceed :func:`dense_budget`: :data:`DENSE_MIN_CELLS`,
or :data:`DENSE_CELLS_PER_ENTRY` per synapse entry when that is more. The
budget grows with the wiring's size, not with the product of its dimensions,
so a saved config of two synapses on 20,000 x 20,000 neurons cannot ask for
gigabytes.

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
import scipy.sparse as sp
from keras import ops

from elegans_keras.checks import check_choice
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.synapses import Synapses

IMPLEMENTATIONS = ("auto", "dense", "sparse")
DENSE_MAX_NEURONS = 512
CHUNK_ELEMENTS = 1 << 20
# TensorFlow: from this many columns (rows of x) the sparse products use CSR (see _tensorflow)
CSR_MIN_COLUMNS = 8
# the batch size assumed when a graph is traced with an unknown batch (chunk sizing only)
TRACE_BATCH = 128
# a dense W may have this many cells (4096 x 4096, 64 MiB of float32) or this many per entry
DENSE_MIN_CELLS = 1 << 24
DENSE_CELLS_PER_ENTRY = 1024


def dense_budget(syn: Synapses) -> int:
    """The most cells a dense ``W`` of ``syn`` may have (see the module docstring).

    Example:
        >>> dense_budget(synapses_of(np.eye(2, dtype=bool))) == DENSE_MIN_CELLS
        True
    """
    return max(DENSE_MIN_CELLS, DENSE_CELLS_PER_ENTRY * syn.num_entries)


def check_dense(syn: Synapses, where: str) -> None:
    """Raise ConfigurationError when a dense ``W`` of ``syn`` would exceed :func:`dense_budget`."""
    cells = syn.num_pre * syn.num_post
    if cells > dense_budget(syn):
        raise ConfigurationError(
            f"{where}: a dense {syn.num_pre:,} x {syn.num_post:,} synaptic matrix "
            f"({cells * 4 / 2**30:.1f} GiB of float32) for {syn.num_entries:,} synapse entries "
            f"exceeds the dense budget of {dense_budget(syn):,} cells (the larger of "
            f"{DENSE_MIN_CELLS:,} and {DENSE_CELLS_PER_ENTRY} per entry); use "
            "implementation='sparse' or 'auto'"
        )


def choose(implementation: str, syn: Synapses, where: str) -> str:
    """``"dense"`` or ``"sparse"`` for an implementation argument (``"auto"`` decides by size).

    Example:
        >>> choose("auto", synapses_of(load_connectome()), "demo")
        'dense'
    """
    check_choice(implementation, "implementation", where, IMPLEMENTATIONS)
    if implementation == "dense":
        check_dense(syn, where)
    if implementation != "auto":
        return implementation
    return "dense" if max(syn.num_pre, syn.num_post) <= DENSE_MAX_NEURONS else "sparse"


def entry_values(values: Any, syn: Synapses) -> Any:
    """The (M,) entry values from the (V,) trainable values (shared gap junctions, summed pairs)."""
    if syn.one_to_one:
        return values
    contributions = ops.take(values, syn.value_index, axis=0)
    return ops.segment_sum(contributions, syn.entry_index, num_segments=syn.num_entries)


@functools.lru_cache(maxsize=64)
def _cells(syn: Synapses, transposed: bool) -> tuple[np.ndarray | None, np.ndarray]:
    """Each contribution's value index (None: value k is entry k) and flat dense cell."""
    pre, post = syn.pre.astype(np.int64), syn.post.astype(np.int64)
    flat = post * syn.num_pre + pre if transposed else pre * syn.num_post + post
    if syn.one_to_one:
        return None, flat
    return syn.value_index, flat[syn.entry_index]


def dense_matrix(
    values: Any, syn: Synapses, where: str = "dense_matrix", transposed: bool = False
) -> Any:
    """The dense (N_pre, N_post) synaptic matrix of the trainable values (``transposed``: W^T).

    One gather of the values and one segment sum straight into the cells
    (a gap junction's value lands in both of its cells). Refused
    (ConfigurationError) above :func:`dense_budget`.
    """
    check_dense(syn, where)
    take, flat = _cells(syn, transposed)
    contributions = values if take is None else ops.take(values, take, axis=0)
    cells = ops.segment_sum(contributions, flat, num_segments=syn.num_pre * syn.num_post)
    shape = (syn.num_post, syn.num_pre) if transposed else (syn.num_pre, syn.num_post)
    return ops.reshape(cells, shape)


def propagate(x: Any, values: Any, syn: Synapses, implementation: str, axis: int = -1) -> Any:
    """``y = x @ W`` along the neuron axis: ``y[..., j, ...] = sum_i W[i, j] x[..., i, ...]``.

    A 2-D ``x`` with neurons on axis 0 (``(N_pre, C)`` columns) takes no
    reshape or transpose on either path: dense is one ``W^T @ x`` matmul.

    Args:
        x: a tensor whose ``axis`` holds the N_pre neurons (other axes: batch, features...).
        values: (V,) trainable values (one per synapse pair).
        syn: the synapses.
        implementation: ``"dense"`` or ``"sparse"`` (see :func:`choose`).
        axis: the neuron axis of ``x`` (and of the result, which has N_post there).
    """
    axis = axis % len(x.shape)
    if implementation == "dense" and axis == len(x.shape) - 1:
        return ops.matmul(x, ops.cast(dense_matrix(values, syn), x.dtype))
    if implementation == "dense":
        matrix = ops.cast(dense_matrix(values, syn, transposed=True), x.dtype)
        if len(x.shape) == 2:
            return ops.matmul(matrix, x)
        return _neuron_first(lambda columns: ops.matmul(matrix, columns), x, syn, axis)
    backend = keras.backend.backend()
    kernel = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}.get(backend)
    if kernel is None:
        raise NotImplementedError(f"no sparse kernel for the {backend!r} backend")
    return kernel(x, ops.cast(entry_values(values, syn), x.dtype), syn, axis)


def _columns(x: Any, size: int, axis: int) -> Any:
    """``x`` as neuron-first (size, C) columns, C = all other axes together."""
    return ops.reshape(ops.moveaxis(x, axis, 0) if axis else x, (size, -1))


def _from_columns(columns: Any, size: int, like: Any, axis: int) -> Any:
    """(size, C) columns back in the layout of ``like`` (its neuron axis resized to ``size``)."""
    moved = ops.moveaxis(like, axis, 0) if axis else like
    out = ops.reshape(columns, (size, *ops.shape(moved)[1:]))
    return ops.moveaxis(out, 0, axis) if axis else out


def _neuron_first(product: Any, x: Any, syn: Synapses, axis: int) -> Any:
    """Apply a (N_post, C) <- (N_pre, C) column product along ``axis`` of ``x``."""
    return _from_columns(product(_columns(x, syn.num_pre, axis)), syn.num_post, x, axis)


def _other_elements(x: Any, axis: int) -> int | None:
    """Numbers per neuron in ``x`` (the column count C), None when an axis is unknown."""
    others = [d for a, d in enumerate(x.shape) if a != axis]
    return None if None in others else int(np.prod(others))


def _chunk(columns: int | None) -> int:
    """Synapses per chunk so that a chunk's gathered columns hold about CHUNK_ELEMENTS numbers."""
    return max(256, CHUNK_ELEMENTS // max(1, columns or TRACE_BATCH))


# --- TensorFlow ------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _tensorflow_indices(syn: Synapses) -> dict[str, Any]:
    """The synapses' index tensors, made once per graph outside any trace (captured)."""
    import tensorflow as tf

    by_pre, by_post = np.lexsort((syn.post, syn.pre)), np.lexsort((syn.pre, syn.post))
    with tf.init_scope():
        return {
            "coo": tf.constant(np.stack([syn.pre, syn.post], axis=1), dtype=tf.int64),
            # row-major (CSR) order of W (rows: pre) and of W^T (rows: post)
            "by_pre": tf.constant(by_pre, dtype=tf.int32),
            "by_post": tf.constant(by_post, dtype=tf.int32),
            "w_rows": tf.constant(np.stack([syn.pre, syn.post], axis=1)[by_pre], dtype=tf.int64),
            "wt_rows": tf.constant(np.stack([syn.post, syn.pre], axis=1)[by_post], dtype=tf.int64),
        }


@functools.lru_cache(maxsize=64)
def _tensorflow_synapse_gradient(syn: Synapses, chunk: int) -> Any:
    """``d_w[k] = sum_c columns[pre_k, c] * up[post_k, c]``, one compiled loop over chunks."""
    import tensorflow as tf

    chunk = min(chunk, max(syn.num_entries, 1))
    chunks = -(-syn.num_entries // chunk)
    pad = chunks * chunk - syn.num_entries
    with tf.init_scope():
        pre = tf.constant(np.pad(syn.pre, (0, pad)).reshape(chunks, chunk), dtype=tf.int32)
        post = tf.constant(np.pad(syn.post, (0, pad)).reshape(chunks, chunk), dtype=tf.int32)
    if chunks == 1:  # small graphs (the worm): one product, nothing to compile
        return lambda columns, up: tf.reduce_sum(
            tf.gather(columns, pre[0]) * tf.gather(up, post[0]), axis=1
        )[: syn.num_entries]

    @tf.function(reduce_retracing=True)
    def synapse_gradient(columns: Any, up: Any) -> Any:
        def dots(part: tuple[Any, Any]) -> Any:
            return tf.reduce_sum(tf.gather(columns, part[0]) * tf.gather(up, part[1]), axis=1)

        parts = tf.map_fn(dots, (pre, post), fn_output_signature=columns.dtype)
        return tf.reshape(parts, [-1])[: syn.num_entries]

    return synapse_gradient


@functools.lru_cache(maxsize=1)
def tensorflow_on_host() -> bool:
    """True when TensorFlow has no GPU: its tensors live in host memory that scipy can read."""
    import tensorflow as tf

    return not tf.config.list_logical_devices("GPU")


def offsets_of(index: np.ndarray, size: int) -> np.ndarray:
    """CSR offsets of ``size`` rows for entries sorted by row ``index``."""
    return np.concatenate([[0], np.cumsum(np.bincount(index, minlength=size))])


@functools.lru_cache(maxsize=64)
def row_offsets(syn: Synapses) -> np.ndarray:
    """int32 CSR row offsets of ``W`` (rows: pre); the entries are already in row-major order."""
    return offsets_of(syn.pre, syn.num_pre).astype(np.int32)


def _host_product(
    w: Any, dense: Any, syn: Synapses, transposed: bool, neurons_last: bool = False
) -> Any:
    """``W^T @ dense`` or ``W @ dense`` by scipy.sparse, for CPU TensorFlow and a few columns.

    With ``neurons_last`` ``dense`` is (C, N) rows and the result ``dense @ W``
    (or ``dense @ W^T``): a reservoir's (1, N) state needs no transpose.
    TensorFlow's one-column sparse products were 3-6x slower than scipy's at
    140,000 neurons (measured when this kernel was written; the README's
    fly-scale section); scipy wraps the entry values in place as a CSR
    (or, for ``W^T``, CSC) matrix, no copy, about 30 us, so a reservoir step
    costs one scipy product. The product runs as ``tf.numpy_function``: fine
    for ``fit``/``predict`` and ``.keras`` files, not for XLA or SavedModel export.
    """
    import tensorflow as tf

    offsets, post = row_offsets(syn), syn.post
    size = syn.num_post if transposed else syn.num_pre

    # W's row-major entries are W's CSR arrays and, read as CSC, W^T's: no transpose call
    kind, shape = (
        (sp.csc_array, (syn.num_post, syn.num_pre))
        if transposed
        else (sp.csr_array, (syn.num_pre, syn.num_post))
    )

    def multiply(values: np.ndarray, data: np.ndarray) -> np.ndarray:
        matrix = kind((values, post, offsets), shape=shape, copy=False)
        if not neurons_last:
            out = matrix @ data
        elif data.shape[0] == 1:
            out = (matrix @ data[0])[None]
        else:
            out = (matrix @ data.T).T
        return np.ascontiguousarray(out, dtype=data.dtype)

    out = tf.numpy_function(multiply, [w, dense], dense.dtype, stateful=False)
    out.set_shape((dense.shape[0], size) if neurons_last else (size, dense.shape[1]))
    return out


def _few_or_many(static: int | None, dynamic: Any, few: Any, many: Any) -> Any:
    """``few()`` below :data:`CSR_MIN_COLUMNS` columns, else ``many()``; ``tf.cond`` if unknown."""
    import tensorflow as tf

    if static is not None:
        return few() if static < CSR_MIN_COLUMNS else many()
    return tf.cond(dynamic < CSR_MIN_COLUMNS, few, many)


def _tensorflow(x: Any, weights: Any, syn: Synapses, axis: int) -> Any:
    """Products for a few columns (the reservoir's batch of 1) and for many.

    ``SparseMatrixMatMul`` (CSR, multi-threaded) is 5-9x faster than
    ``sparse_dense_matmul`` (COO) from 32 columns up, and 2-3x slower for one;
    below :data:`CSR_MIN_COLUMNS` columns CPU TensorFlow calls scipy
    (:func:`_host_product`; (batch, N) inputs without a transpose) and GPU
    TensorFlow the COO product.
    """
    import tensorflow as tf

    index = _tensorflow_indices(syn)
    csr_dtype = x.dtype in (tf.float32, tf.float64)
    on_host = csr_dtype and tensorflow_on_host()
    rows_layout = on_host and len(x.shape) == 2 and axis == 1
    synapse_gradient = _tensorflow_synapse_gradient(syn, _chunk(_other_elements(x, axis)))

    def product(w: Any, dense: Any, transposed: bool) -> Any:
        """``W^T @ dense`` (transposed) or ``W @ dense``."""

        def few() -> Any:  # scipy on CPU, else COO
            if on_host:
                return _host_product(w, dense, syn, transposed)
            matrix = tf.sparse.SparseTensor(index["coo"], w, (syn.num_pre, syn.num_post))
            return tf.sparse.sparse_dense_matmul(matrix, dense, adjoint_a=transposed)

        if not csr_dtype:
            return few()

        def csr() -> Any:
            order, positions = ("by_post", "wt_rows") if transposed else ("by_pre", "w_rows")
            shape = (syn.num_post, syn.num_pre) if transposed else (syn.num_pre, syn.num_post)
            matrix = tf.raw_ops.SparseTensorToCSRSparseMatrix(
                indices=index[positions],
                values=tf.gather(w, index[order]),
                dense_shape=tf.constant(shape, dtype=tf.int64),
            )
            return tf.raw_ops.SparseMatrixMatMul(a=matrix, b=dense)

        return _few_or_many(dense.shape[1], tf.shape(dense)[1], few, csr)

    def along_neurons(w: Any, data: Any, transposed: bool, columns: Any = None) -> Any:
        """``data @ W`` (transposed) or ``data @ W^T`` along ``axis``, in ``data``'s layout.

        ``columns``: ``data`` already as neuron-first columns, if made.
        """
        sizes = (syn.num_pre, syn.num_post) if transposed else (syn.num_post, syn.num_pre)

        def by_columns() -> Any:
            made = _columns(data, sizes[0], axis) if columns is None else columns
            return _from_columns(product(w, made, transposed), sizes[1], data, axis)

        if not rows_layout:
            return by_columns()
        return _few_or_many(
            data.shape[0],
            tf.shape(data)[0],
            lambda: _host_product(w, data, syn, transposed, neurons_last=True),
            by_columns,
        )

    @tf.custom_gradient
    def run(inputs: Any, w: Any) -> Any:
        def grad(up: Any) -> tuple[Any, Any]:
            # the neuron-first copy of the inputs is made again here, not kept from the forward
            up_columns = _columns(up, syn.num_post, axis)
            d_w = synapse_gradient(_columns(inputs, syn.num_pre, axis), up_columns)
            return along_neurons(w, up, transposed=False, columns=up_columns), d_w

        return along_neurons(w, inputs, transposed=True), grad

    return run(x, weights)


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
            update = jax.ops.segment_sum(
                weight[:, None] * source[origin], target, num_segments=size
            )
            return total + update, None

        initial = jnp.zeros((size, source.shape[1]), source.dtype)
        return jax.lax.scan(step, initial, (w, sources, targets))[0]

    @jax.custom_vjp
    def run(inputs: Any, w: Any) -> Any:
        return scatter_rows(inputs, w, pre, post, syn.num_post)

    def forward(inputs: Any, w: Any) -> tuple[Any, tuple[Any, Any]]:
        return run(inputs, w), (inputs, w)

    def backward(saved: tuple[Any, Any], up: Any) -> tuple[Any, Any]:
        source, w = saved
        d_inputs = scatter_rows(up, w, post, pre, syn.num_pre)

        def dots(_: None, part: tuple[Any, Any]) -> tuple[None, Any]:
            origin, target = part
            return None, jnp.sum(source[origin] * up[target], axis=1)

        d_w = jax.lax.scan(dots, None, (pre, post))[1].reshape(-1)[: syn.num_entries]
        return d_inputs, d_w

    run.defvjp(forward, backward)
    return run


def _jax(x: Any, weights: Any, syn: Synapses, axis: int) -> Any:
    kernel = _jax_kernel(syn, _other_elements(x, axis))
    return _neuron_first(lambda columns: kernel(columns, weights), x, syn, axis)


# --- PyTorch -----------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _torch_indices(syn: Synapses, device: Any) -> dict[str, Any]:
    import torch

    by_post = np.lexsort((syn.pre, syn.post))

    def offsets(index: np.ndarray, size: int) -> Any:
        return torch.as_tensor(offsets_of(index, size), device=device)

    return {
        "pre": torch.as_tensor(syn.pre.astype(np.int64), device=device),
        "post": torch.as_tensor(syn.post.astype(np.int64), device=device),
        "by_post": torch.as_tensor(by_post, device=device),
        "pre_rows": offsets(syn.pre, syn.num_pre),
        "post_rows": offsets(syn.post[by_post], syn.num_post),
        "post_columns": torch.as_tensor(syn.pre[by_post].astype(np.int64), device=device),
    }


def _torch(x: Any, weights: Any, syn: Synapses, axis: int) -> Any:
    return _neuron_first(lambda columns: _torch_columns(columns, weights, syn), x, syn, axis)


def _torch_columns(columns: Any, weights: Any, syn: Synapses) -> Any:
    import torch

    index = _torch_indices(syn, columns.device)

    class Propagate(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, inputs: Any, w: Any) -> Any:
            inputs = inputs.contiguous()
            matrix = torch.sparse_csr_tensor(
                index["post_rows"],
                index["post_columns"],
                w[index["by_post"]],
                (syn.num_post, syn.num_pre),
            )
            ctx.save_for_backward(inputs, w)
            return matrix @ inputs

        @staticmethod
        def backward(ctx: Any, upstream: Any) -> tuple[Any, Any]:
            inputs, w = ctx.saved_tensors
            up = upstream.contiguous()
            matrix = torch.sparse_csr_tensor(
                index["pre_rows"], index["post"], w, (syn.num_pre, syn.num_post)
            )
            chunk = _chunk(inputs.shape[1])
            d_w = torch.cat(
                [
                    (inputs[index["pre"][a : a + chunk]] * up[index["post"][a : a + chunk]]).sum(1)
                    for a in range(0, syn.num_entries, chunk)
                ]
            )
            return matrix @ up, d_w

    return Propagate.apply(columns, weights)
