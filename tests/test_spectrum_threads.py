"""The spectral radius runs on one BLAS thread (no spinning threads on busy cores, same result)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_info, threadpool_limits

import elegans_keras.connectome.spectrum as spectrum


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.mark.parametrize("size", [279, 2000])
def test_spectral_radius_uses_one_blas_thread_whatever_the_caller_allows(size, monkeypatch):
    seen = []
    eigvals, eigs = np.linalg.eigvals, spectrum.spla.eigs

    def watched_eigvals(*args, **kwargs):
        seen.append(blas_threads())
        return eigvals(*args, **kwargs)

    def watched_eigs(*args, **kwargs):
        seen.append(blas_threads())
        return eigs(*args, **kwargs)

    monkeypatch.setattr(spectrum.np.linalg, "eigvals", watched_eigvals)
    monkeypatch.setattr(spectrum.spla, "eigs", watched_eigs)
    matrix = sp.random_array((size, size), density=0.01, random_state=0, format="csr")
    with threadpool_limits(2):  # what a 2-core machine gives by default
        outside = blas_threads()
        radius = spectrum.spectral_radius(matrix)
        assert blas_threads() == outside  # the caller's limit is restored
    assert seen and all(threads == [1] * len(threads) for threads in seen), seen
    assert radius > 0
