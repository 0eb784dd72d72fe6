"""Strategy selection, description, scopes and precision policies (elegans_keras.distribute)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import keras
import numpy as np
import pytest

from elegans_keras.distribute import (
    KINDS,
    describe_strategy,
    get_strategy,
    replica_count,
    scaled_batch_size,
    set_precision,
    strategy_scope,
)
from elegans_keras.errors import ConfigurationError

tensorflow_only = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="tf.distribute strategies need TensorFlow"
)


@pytest.fixture
def float32_policy() -> Iterator[None]:
    """Restore the global float32 policy after the test."""
    yield
    keras.mixed_precision.set_dtype_policy("float32")


def test_unknown_kind_lists_the_valid_kinds() -> None:
    with pytest.raises(ConfigurationError) as err:
        get_strategy("horovod")
    assert all(kind in str(err.value) for kind in KINDS)


@tensorflow_only
def test_default_strategy_has_one_replica() -> None:
    strategy = get_strategy("default")
    assert replica_count(strategy) == 1
    assert scaled_batch_size(32, strategy) == 32
    assert describe_strategy(strategy).startswith("default strategy: 1 replica")


@tensorflow_only
def test_auto_without_accelerators_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    import tensorflow as tf

    monkeypatch.delenv("TF_CONFIG", raising=False)
    if tf.config.list_logical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    description = describe_strategy(get_strategy("auto"))
    assert "auto" in description and "no GPU" in description


@tensorflow_only
def test_mirrored_without_gpu_falls_back_with_a_warning() -> None:
    import tensorflow as tf

    if tf.config.list_logical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    with pytest.warns(RuntimeWarning, match="no GPU"):
        strategy = get_strategy("mirrored")
    assert strategy is tf.distribute.get_strategy()
    assert "no GPU" in describe_strategy(strategy)


@tensorflow_only
def test_scope_builds_the_model_under_the_strategy() -> None:
    import tensorflow as tf

    strategy = get_strategy("default")
    with strategy_scope(strategy):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        assert tf.distribute.get_strategy() is strategy
    assert model.distribute_strategy is strategy


@tensorflow_only
def test_kind_the_backend_lacks_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="not available on the tensorflow backend"):
        get_strategy("data_parallel")


@tensorflow_only
def test_missing_tpu_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TPU_NAME", "COLAB_TPU_ADDR"):
        monkeypatch.delenv(name, raising=False)
    if os.path.exists("/dev/accel0"):
        pytest.skip("this machine has a TPU")
    with pytest.raises(ConfigurationError, match="no TPU found"):
        get_strategy("tpu")


@tensorflow_only
def test_multi_worker_needs_tf_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ConfigurationError, match="TF_CONFIG"):
        get_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ConfigurationError, match="TF_CONFIG"):
        get_strategy("auto")


@pytest.mark.parametrize("value", [0, -3, 2.0, True, "8"])
def test_scaled_batch_size_rejects_non_positive_ints(value: object) -> None:
    with pytest.raises(ConfigurationError, match="per_replica"):
        scaled_batch_size(value, get_strategy("default"))


def test_replica_count_rejects_other_objects() -> None:
    with pytest.raises(ConfigurationError, match="strategy"):
        replica_count(object())


def test_set_precision_sets_and_returns_previous(float32_policy: None) -> None:
    assert set_precision("mixed_bfloat16") == "float32"
    assert keras.mixed_precision.dtype_policy().name == "mixed_bfloat16"
    assert set_precision("float32") == "mixed_bfloat16"
    with pytest.raises(ConfigurationError, match="mixed_float16"):
        set_precision("float16")
    assert keras.mixed_precision.dtype_policy().name == "float32"


JAX_SCRIPT = """
import json, keras
from elegans_keras.distribute import describe_strategy, get_strategy, replica_count, \\
    scaled_batch_size, strategy_scope
from elegans_keras.datasets import load_images
from elegans_keras.errors import ConfigurationError
from elegans_keras.models import elegans_classifier
strategy = get_strategy("data_parallel")
before = keras.distribution.distribution()
with strategy_scope(strategy):
    inside = keras.distribution.distribution()
    model = elegans_classifier(features=8, filters=(8, 16))
    images, labels = load_images("mnist", "train")
    history = model.fit(images[:16], labels[:16], batch_size=8, epochs=2, verbose=0)
def refused(kind):
    try:
        get_strategy(kind)
    except ConfigurationError:
        return True
    return False
print(json.dumps({"replicas": replica_count(strategy), "batch": scaled_batch_size(16, strategy),
                  "auto": describe_strategy(get_strategy("auto")),
                  "scoped": inside is strategy, "losses": history.history["loss"],
                  "restored": keras.distribution.distribution() is before,
                  "refused": [refused("mirrored"), refused("multi_worker")]}))
"""


def test_data_parallel_trains_on_jax_with_two_cpu_devices() -> None:
    pytest.importorskip("jax")
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
    }
    env.pop("KERAS_DISTRIBUTION_JOB_ADDRESSES", None)
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT],
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2 and report["batch"] == 32
    assert report["scoped"] and report["restored"]
    assert report["refused"] == [True, True]  # mirrored: TF only; multi_worker: no cluster env
    assert "data parallel over 2" in report["auto"]
    assert len(report["losses"]) == 2 and all(np.isfinite(report["losses"]))
