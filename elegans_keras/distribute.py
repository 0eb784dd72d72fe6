"""Scale-out helpers: tf.distribute strategies, keras.distribution for JAX, mixed precision.

One call picks how to spread training over the machine's devices, whatever
the Keras backend; build and compile the model inside ``strategy_scope``.
TensorFlow and JAX are imported only when a strategy is asked for.

Environment read here:
    ``TF_CONFIG``: the TensorFlow cluster (``multi_worker``).
    ``TPU_NAME`` / ``COLAB_TPU_ADDR``: the TPU to connect to (``tpu``); on a
    TPU VM (``/dev/accel0`` present) the local TPU is used.
    ``KERAS_DISTRIBUTION_JOB_ADDRESSES`` (comma-separated host:port, the first
    is the coordinator), ``KERAS_DISTRIBUTION_NUM_PROCESSES``,
    ``KERAS_DISTRIBUTION_PROCESS_ID``: a JAX multi-host cluster, started with
    ``keras.distribution.initialize`` (i.e. ``jax.distributed.initialize``).

Example:
    >>> strategy = get_strategy("auto")
    >>> print(describe_strategy(strategy))  # on a machine without GPU or TPU
    default strategy: 1 replica on one device (auto (TensorFlow): no GPU, ...)
    >>> with strategy_scope(strategy):
    ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    ...     model.compile("sgd", "mse")
    >>> x, y = np.ones((8, 4)), np.ones((8, 1))
    >>> history = model.fit(x, y, batch_size=scaled_batch_size(64, strategy), verbose=0)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import warnings
import weakref
from typing import Any

import keras

from elegans_keras.checks import check_int
from elegans_keras.errors import ConfigurationError

KINDS = ("auto", "default", "mirrored", "multi_worker", "tpu", "data_parallel")
BACKEND_KINDS = {
    "tensorflow": ("auto", "default", "mirrored", "multi_worker", "tpu"),
    "jax": ("auto", "default", "multi_worker", "tpu", "data_parallel"),
}
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
JAX_CLUSTER_VARS = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID",
)
TPU_VM_DEVICE = "/dev/accel0"

_NOTES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclasses.dataclass(frozen=True, eq=False)
class SingleDevice:
    """No distribution on a backend without tf.distribute (JAX, PyTorch): one device.

    Example:
        >>> with SingleDevice("jax").scope():
        ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    """

    backend: str
    num_replicas_in_sync: int = 1

    def scope(self) -> contextlib.AbstractContextManager:
        """A context that changes nothing."""
        return contextlib.nullcontext()


def get_strategy(kind: str = "auto", tpu: str | None = None) -> Any:
    """A strategy for ``kind`` on the current Keras backend.

    TensorFlow: ``"default"`` (one device), ``"mirrored"`` (all local GPUs;
    the default strategy, with a warning, when there is none),
    ``"multi_worker"`` (``MultiWorkerMirroredStrategy`` from ``TF_CONFIG``),
    ``"tpu"`` (``TPUStrategy``; ``tpu`` names the TPU, else ``$TPU_NAME``).
    JAX: ``"data_parallel"`` (``keras.distribution.DataParallel`` over all
    devices, after joining the multi-host cluster when its environment is
    set), ``"multi_worker"`` (the same, the cluster environment required),
    ``"tpu"`` (data parallel over the TPU cores), ``"default"``.
    ``"auto"``: TPU if one is found, multi-worker if ``TF_CONFIG`` (or the JAX
    cluster environment) names more than one worker, mirrored / data parallel
    over several local accelerators, else default; ``describe_strategy`` says
    which and why. Raises ConfigurationError for an unknown kind, a kind the
    backend lacks, or missing hardware / cluster settings.

    Example:
        >>> strategy = get_strategy("mirrored")  # one replica per local GPU, else 1
        >>> replica_count(strategy) >= 1
        True
    """
    if kind not in KINDS:
        raise ConfigurationError(f"kind={kind!r} is not one of {', '.join(KINDS)}")
    backend = keras.backend.backend()
    allowed = BACKEND_KINDS.get(backend, ("auto", "default"))
    if kind not in allowed:
        raise ConfigurationError(
            f"kind={kind!r} is not available on the {backend} backend; use one of "
            f"{', '.join(allowed)}"
        )
    if backend == "tensorflow":
        return _tensorflow_strategy(kind, tpu)
    if backend == "jax":
        return _jax_strategy(kind)
    return _noted(SingleDevice(backend), f"{backend} backend: no distribution support used")


def describe_strategy(strategy: Any) -> str:
    """One line: the strategy's kind, replicas, devices, and why it was chosen.

    Example:
        >>> describe_strategy(get_strategy("default"))
        'default strategy: 1 replica on one device (TensorFlow: asked for)'
    """
    replicas = replica_count(strategy)
    unit = "replica" if replicas == 1 else "replicas"
    if isinstance(strategy, SingleDevice):
        text = f"default ({strategy.backend}): 1 replica on one device"
    elif _is_keras_distribution(strategy):
        devices = [str(d) for d in strategy.device_mesh.devices.flatten()]
        text = f"{type(strategy).__name__}: {replicas} {unit} on {', '.join(devices)}"
    elif _is_default_tf_strategy(strategy):
        text = f"default strategy: {replicas} {unit} on one device"
    else:
        local = ", ".join(strategy.extended.worker_devices)
        text = f"{type(strategy).__name__}: {replicas} {unit} (local devices: {local})"
    note = _NOTES.get(strategy)
    return f"{text} ({note})" if note else text


def replica_count(strategy: Any) -> int:
    """How many model replicas train in sync (the global batch is split among them).

    Example:
        >>> replica_count(get_strategy("default"))
        1
    """
    if _is_keras_distribution(strategy):
        return int(strategy.device_mesh.devices.size)
    count = getattr(strategy, "num_replicas_in_sync", None)
    if count is None:
        raise ConfigurationError(
            f"strategy={strategy!r} is neither a tf.distribute strategy nor a "
            "keras.distribution.Distribution"
        )
    return int(count)


def scaled_batch_size(per_replica: int, strategy: Any) -> int:
    """The global batch size: ``per_replica`` examples on each replica.

    Example:
        >>> scaled_batch_size(64, get_strategy("default"))
        64
    """
    return check_int(per_replica, "per_replica", "scaled_batch_size", low=1) * replica_count(
        strategy
    )


def strategy_scope(strategy: Any) -> contextlib.AbstractContextManager:
    """The context in which to build and compile models for ``strategy``.

    A tf.distribute strategy's ``scope()``; for a keras.distribution (JAX) the
    distribution is made global inside the block and the previous one restored
    after it; nothing for a single device.

    Example:
        >>> with strategy_scope(get_strategy("auto")):
        ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    """
    replica_count(strategy)
    return strategy.scope()


def set_precision(policy: str) -> str:
    """Set Keras's global dtype policy; returns the previous policy's name.

    ``"mixed_float16"`` (GPUs) or ``"mixed_bfloat16"`` (TPUs, recent CPUs /
    GPUs) compute in half precision and keep float32 variables; ``"float32"``
    restores full precision. Set it before building the model.

    Example:
        >>> previous = set_precision("mixed_bfloat16")
        >>> keras.layers.Dense(4).compute_dtype
        'bfloat16'
        >>> set_precision(previous)
        'mixed_bfloat16'
    """
    if policy not in PRECISIONS:
        raise ConfigurationError(f"policy={policy!r} is not one of {', '.join(PRECISIONS)}")
    previous = keras.mixed_precision.dtype_policy().name
    keras.mixed_precision.set_dtype_policy(policy)
    return previous


def _noted(strategy: Any, note: str) -> Any:
    _NOTES[strategy] = note
    return strategy


def _tensorflow_strategy(kind: str, tpu: str | None) -> Any:
    import tensorflow as tf

    if kind == "default":
        return _noted(tf.distribute.get_strategy(), "TensorFlow: asked for")
    if kind == "tpu":
        return _tpu_strategy(tpu)
    if kind == "multi_worker":
        workers = _tf_config_workers()
        if workers is None:
            raise ConfigurationError(
                "kind='multi_worker' needs the cluster in the TF_CONFIG environment variable "
                '(JSON: {"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", '
                '"index": i}})'
            )
        return _noted(
            tf.distribute.MultiWorkerMirroredStrategy(),
            f"TensorFlow: {workers} workers from TF_CONFIG",
        )
    gpus = tf.config.list_logical_devices("GPU")
    if kind == "mirrored":
        if not gpus:
            warnings.warn(
                "get_strategy('mirrored'): no GPU found; using the default strategy "
                "on one CPU device",
                RuntimeWarning,
                stacklevel=3,
            )
            return _noted(
                tf.distribute.get_strategy(), "TensorFlow: mirrored asked for, but no GPU found"
            )
        return _noted(tf.distribute.MirroredStrategy(), f"TensorFlow: {len(gpus)} local GPU(s)")
    return _auto_tensorflow(tpu, len(gpus))


def _auto_tensorflow(tpu: str | None, gpus: int) -> Any:
    import tensorflow as tf

    if tpu or _tpu_hinted():
        with contextlib.suppress(ConfigurationError):
            return _noted(_tpu_strategy(tpu), "auto: TPU found")
    workers = _tf_config_workers()
    if workers is not None and workers > 1:
        return _noted(
            tf.distribute.MultiWorkerMirroredStrategy(), f"auto: {workers} workers in TF_CONFIG"
        )
    if gpus > 1:
        return _noted(tf.distribute.MirroredStrategy(), f"auto: {gpus} local GPUs")
    found = "one GPU" if gpus == 1 else "no GPU"
    return _noted(
        tf.distribute.get_strategy(),
        f"auto (TensorFlow): {found}, no TPU or multi-worker cluster found",
    )


def _tpu_hinted() -> bool:
    return bool(
        os.environ.get("TPU_NAME")
        or os.environ.get("COLAB_TPU_ADDR")
        or os.path.exists(TPU_VM_DEVICE)
    )


def _tpu_strategy(tpu: str | None) -> Any:
    import tensorflow as tf

    name = tpu or os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
    if name is None and os.path.exists(TPU_VM_DEVICE):
        name = "local"
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=name)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        strategy = tf.distribute.TPUStrategy(resolver)
    except Exception as err:  # the resolver reports a missing TPU in many ways
        raise ConfigurationError(
            f"kind='tpu': no TPU found (tpu={name!r}; set TPU_NAME or pass tpu=...): {err}"
        ) from err
    return _noted(strategy, f"TensorFlow: TPU {name}")


def _tf_config_workers() -> int | None:
    """Number of workers (chief included) in ``TF_CONFIG``, None when it is unset."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return None
    try:
        cluster = json.loads(raw)["cluster"]
        return len(cluster.get("worker", [])) + len(cluster.get("chief", []))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ConfigurationError(f"TF_CONFIG is not a valid cluster description: {err}") from err


def _jax_strategy(kind: str) -> Any:
    cluster = _jax_cluster()
    if kind == "multi_worker" and not cluster:
        raise ConfigurationError(
            "kind='multi_worker' on JAX needs the environment variables "
            f"{', '.join(JAX_CLUSTER_VARS)}"
        )
    if kind == "default":
        return _noted(SingleDevice("jax"), "JAX: asked for")
    if cluster:
        _join_jax_cluster()
    if kind == "tpu":
        devices = keras.distribution.list_devices("tpu") if _has_jax_platform("tpu") else []
        if not devices:
            raise ConfigurationError("kind='tpu': JAX sees no TPU device")
        return _noted(keras.distribution.DataParallel(devices=devices), "JAX: TPU cores")
    devices = keras.distribution.list_devices()
    where = f"{_env_int('KERAS_DISTRIBUTION_NUM_PROCESSES')} processes" if cluster else "local"
    if kind == "auto" and len(devices) == 1:
        return _noted(SingleDevice("jax"), f"auto (JAX): one device ({devices[0]})")
    note = "auto (JAX)" if kind == "auto" else "JAX"
    return _noted(
        keras.distribution.DataParallel(devices=devices),
        f"{note}: data parallel over {len(devices)} {where} device(s)",
    )


def _jax_cluster() -> bool:
    return "KERAS_DISTRIBUTION_JOB_ADDRESSES" in os.environ


def _env_int(name: str) -> int:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError) as err:
        raise ConfigurationError(f"environment variable {name} must be set to an int") from err


def _join_jax_cluster() -> None:
    import jax

    if jax.distributed.is_initialized():
        return
    keras.distribution.initialize(
        os.environ["KERAS_DISTRIBUTION_JOB_ADDRESSES"],
        _env_int("KERAS_DISTRIBUTION_NUM_PROCESSES"),
        _env_int("KERAS_DISTRIBUTION_PROCESS_ID"),
    )


def _has_jax_platform(platform: str) -> bool:
    import jax

    try:
        return bool(jax.devices(platform))
    except RuntimeError:
        return False


def _is_keras_distribution(strategy: Any) -> bool:
    """True for a keras.distribution object (DataParallel, ModelParallel)."""
    return hasattr(strategy, "device_mesh") and hasattr(strategy, "scope")


def _is_default_tf_strategy(strategy: Any) -> bool:
    import tensorflow as tf

    return (
        strategy is tf.distribute.get_strategy()
        or type(strategy).__name__ == "_DefaultDistributionStrategy"
    )
