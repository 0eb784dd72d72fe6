"""What the layer tests share: a backend-neutral conversion of tensors and variables."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def numpy(value) -> np.ndarray:
    """A tensor or Keras variable as a float64 NumPy array, on any backend."""
    if isinstance(value, keras.Variable):
        return np.asarray(value.numpy(), dtype=np.float64)
    return np.asarray(ops.convert_to_numpy(value), dtype=np.float64)
