"""The spectral radius of a matrix: exact for small matrices, a checked estimate for large ones.

Up to :data:`EXACT_LIMIT` rows the radius is the largest modulus of all
eigenvalues (``numpy.linalg.eigvals``, general: synaptic matrices are
directed). Above it, ARPACK (``scipy.sparse.linalg.eigs``) computes the
:data:`RITZ_VALUES` eigenvalues of largest modulus of the sparse matrix to a
Ritz tolerance of :data:`ARPACK_TOLERANCE` (:data:`LARGE_ARPACK_TOLERANCE`, looser, above
:data:`LARGE` rows) and the largest one is taken,
with two checks:

* the residual ``||A v - lambda v|| <= tolerance * |lambda| ||v||``
  of the returned pair (ARPACK's own convergence claim, verified);
* the geometric mean growth of ``||A^k x||`` over the last half of
  :data:`POWER_STEPS` power-iteration steps from random starts must not
  exceed the value by more than :data:`RELATIVE_TOLERANCE`; if it does, ARPACK
  is run again to a tight tolerance, and a warning says so if the two still
  disagree.

Random-sign synaptic matrices have their eigenvalues spread over a disc (the
circular law), so the largest ones are close in modulus: ``eigs(k=1)`` can
stop at a smaller one (1-1.6 % low), which asking for 16 Ritz values at once
prevents. The stated tolerance is :data:`RELATIVE_TOLERANCE` (0.5 %);
``benchmarks/bench_scale.py`` measures the error against dense eigenvalues
at N = 3,000 and against a tight ARPACK run at 30,000 and 140,000 neurons.

Example:
    >>> round(spectral_radius(np.array([[0.0, 2.0], [0.5, 0.0]])), 12)
    1.0
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from elegans_keras.errors import ConfigurationError, ConnectomeError

EXACT_LIMIT = 1024
RITZ_VALUES = 16
ARPACK_TOLERANCE = 1e-3
LARGE_ARPACK_TOLERANCE = 0.1
LARGE = 50_000
TIGHT_TOLERANCE = 1e-6
RELATIVE_TOLERANCE = 5e-3
POWER_STEPS = 60


def spectral_radius(matrix: np.ndarray | sp.sparray, seed: int = 0) -> float:
    """Largest eigenvalue modulus of a square (possibly non-symmetric) matrix.

    Exact up to :data:`EXACT_LIMIT` rows; above, a sparse ARPACK estimate
    that passes the residual and power-growth checks of this module (relative
    tolerance :data:`RELATIVE_TOLERANCE`), else a ConnectomeError. Runs on one
    BLAS thread (:func:`one_blas_thread`).

    Example:
        >>> spectral_radius(np.eye(3) * 2)
        2.0
    """
    with one_blas_thread():
        return _spectral_radius(matrix, seed)


def one_blas_thread() -> Any:
    """A context in which BLAS/OpenMP libraries use one thread.

    ``numpy.linalg.eigvals`` with OpenBLAS's threads on cores other work keeps
    busy spends most of its time spinning: at load 20 on 2 cores, 5 eigvals
    of a 279 x 279 matrix took 7-8 s with 2 threads and 0.4-0.5 s with one,
    a 3,000 x 3,000 one 168-221 s and 29-41 s (CPU 50-63 s and 11 s). One
    thread also makes the result independent of the machine's thread count.
    """
    return _controller().limit(limits=1)


@functools.cache
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _spectral_radius(matrix: np.ndarray | sp.sparray, seed: int) -> float:
    operator = _checked(matrix)
    n = operator.shape[0]
    if n <= EXACT_LIMIT:
        dense = cast("sp.csr_array", operator).toarray() if sp.issparse(operator) else operator
        return float(np.max(np.abs(np.linalg.eigvals(dense))))
    operator = sp.csr_array(operator)
    if operator.nnz == 0:
        return 0.0
    estimate = _arpack(operator, seed, ARPACK_TOLERANCE if n <= LARGE else LARGE_ARPACK_TOLERANCE)
    growth = power_growth(operator, seed)
    if growth > estimate * (1 + RELATIVE_TOLERANCE):
        estimate = max(estimate, _arpack(operator, seed, TIGHT_TOLERANCE))
        if growth > estimate * (1 + RELATIVE_TOLERANCE):
            warnings.warn(
                f"spectral_radius: the ARPACK estimate {estimate:.6g} of the {n} x {n} matrix is "
                f"below its power-iteration growth {growth:.6g} by more than "
                f"{RELATIVE_TOLERANCE:.1%} (a strongly non-normal matrix?)",
                stacklevel=3,
            )
    return estimate


def _checked(matrix: Any) -> np.ndarray | sp.csr_array:
    """A float64 square matrix (sparse stays sparse), else a ConfigurationError."""
    where = "spectral_radius"
    if sp.issparse(matrix):
        operator = sp.csr_array(matrix, dtype=np.float64)
        values = operator.data
    else:
        try:
            operator = np.asarray(matrix, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"{where}: expected a numeric square matrix, got {type(matrix).__name__}"
            ) from None
        values = operator
    if operator.ndim != 2 or operator.shape[0] != operator.shape[1] or operator.shape[0] == 0:
        raise ConfigurationError(f"{where}: matrix of shape {operator.shape} is not square")
    if not np.all(np.isfinite(values)):
        raise ConfigurationError(f"{where}: the matrix has non-finite entries")
    return operator


def _arpack(operator: sp.csr_array, seed: int, tolerance: float) -> float:
    n = operator.shape[0]
    k = min(RITZ_VALUES, n - 2)
    start = np.random.default_rng(seed).standard_normal(n)
    try:
        values, vectors = spla.eigs(
            operator,
            k=k,
            which="LM",
            v0=start,
            ncv=min(n - 1, 3 * k),
            tol=tolerance,
            maxiter=20 * n,
        )
    except spla.ArpackNoConvergence as err:
        values, vectors = err.eigenvalues, err.eigenvectors
        if values.size == 0:
            raise ConnectomeError(
                f"spectral_radius: ARPACK did not converge on the {n} x {n} matrix"
            ) from None
    best = int(np.argmax(np.abs(values)))
    value, vector = values[best], vectors[:, best]
    residual = np.linalg.norm(operator @ vector - value * vector)
    if residual > max(tolerance, 1e-8) * max(abs(value), 1e-300) * np.linalg.norm(vector):
        raise ConnectomeError(
            f"spectral_radius: ARPACK eigenpair of the {n} x {n} matrix fails its residual "
            f"check ({residual:.3g})"
        )
    return float(abs(value))


def power_growth(
    operator: sp.sparray | np.ndarray, seed: int = 0, steps: int = POWER_STEPS, starts: int = 4
) -> float:
    """Mean growth factor per step of ``||A^k x||`` over the last half of ``steps`` steps.

    An estimate of the spectral radius from power iteration (lower for a
    slowly converging spectrum, possibly higher for a strongly non-normal
    matrix); :func:`spectral_radius` uses it to check ARPACK.

    Example:
        >>> round(power_growth(np.diag([3.0, 1.0])), 6)
        3.0
    """
    n = operator.shape[0]
    vectors = np.random.default_rng(seed + 1).standard_normal((n, starts))
    vectors /= np.linalg.norm(vectors, axis=0)
    logs = np.zeros(starts)
    half = steps // 2
    for step in range(steps):
        vectors = operator @ vectors
        norms = np.linalg.norm(vectors, axis=0)
        if not np.all(norms > 0):
            return 0.0
        vectors /= norms
        if step >= half:
            logs += np.log(norms)
    return float(np.exp(logs.max() / (steps - half)))
