"""elegans_keras.load_model: loads the package's layers; an unknown class is one short line."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import elegans_keras as ek
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers import ConnectomeDense


def test_load_model_restores_a_connectome_layer(tmp_path):
    inputs = keras.Input((279,))
    model = keras.Model(inputs, ConnectomeDense(ek.load_connectome(), seed=0)(inputs))
    path = tmp_path / "worm.keras"
    model.save(path)
    x = np.ones((2, 279), "float32")
    np.testing.assert_allclose(
        ek.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


def test_an_unregistered_class_is_named_in_one_short_line(tmp_path):
    """Keras's own error holds the layer's whole config (here a 279-neuron wiring)."""

    @keras.saving.register_keras_serializable(package="ek_test")
    class Wired(keras.layers.Layer):
        def __init__(self, wiring, **kwargs):
            super().__init__(**kwargs)
            self.wiring = wiring

        def call(self, x):
            return x

        def get_config(self):
            return {**super().get_config(), "wiring": self.wiring}

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Wired(list(range(5000)))(inputs))
    path = tmp_path / "wired.keras"
    model.save(path)
    del keras.saving.get_custom_objects()["ek_test>Wired"]
    with pytest.raises(TypeError) as raw:
        keras.models.load_model(path)
    assert len(str(raw.value)) > 20000
    with pytest.raises(ConfigurationError) as short:
        ek.load_model(path)
    message = str(short.value)
    assert len(message) < 300 and str(path) in message and "'Wired'" in message
