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
    from elegans_keras.connectome.nullmodels import erdos_renyi
    from elegans_keras.layers.synapses import synapses_of
    from elegans_keras.models import count_parameters, elegans_classifier

    doctest_namespace.update(
        np=np,
        pd=pd,
        nx=nx,
        keras=keras,
        ops=ops,
        ek=ek,
        load_connectome=load_connectome,
        worm=load_connectome(),
        erdos_renyi=erdos_renyi,
        synapses_of=synapses_of,
        count_parameters=count_parameters,
        elegans_classifier=elegans_classifier,
    )
