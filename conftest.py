"""Names the package's docstring examples use (pytest --doctest-modules on elegans_keras)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict) -> None:
    import keras
    import networkx as nx
    import numpy as np
    import pandas as pd
    from keras import ops

    import elegans_keras as ek
    from elegans_keras.connectome import load_connectome

    doctest_namespace.update(np=np, pd=pd, nx=nx, keras=keras, ops=ops, ek=ek,
                             load_connectome=load_connectome, worm=load_connectome())
