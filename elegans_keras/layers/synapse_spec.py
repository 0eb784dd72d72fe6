"""SynapseSpec: how a wiring becomes a layer's synaptic values, decided once.

A :class:`SynapseSpec` is a small immutable value: the wiring (a Connectome
or a plain mask), which synapses, the magnitude and sign rules, the scaling
(a spectral radius, or unit incoming norms), the compute path and the seed.
It is built and checked once, at the boundary (a factory, or a layer given
plain arguments), and owns what follows from it: the :class:`Synapses`, the
compute path (dense or sparse), the scaled starting values (computed on
first use, so the spectral-radius work runs when a layer builds, and cached
by content) and a Keras initializer that creates the weights from them.

``ConnectomeDense``, ``ReservoirCell``, ``ConnectomicBlock`` and
``EchoStateTransformer`` take one as their ``connectome`` argument, or the
same plain arguments, which they turn into one.

Example:
    >>> spec = SynapseSpec.of(load_connectome(), spectral_radius=0.9, seed=0)
    >>> spec.synapses_data.num_values, spec.compute_path
    (2711, 'dense')
    >>> from elegans_keras.connectome.spectrum import spectral_radius
    >>> round(spectral_radius(spec.synapses_data.matrix(spec.starting_values())), 6)
    0.9
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import warnings
from collections import OrderedDict
from typing import Any

import keras
import numpy as np
from keras import ops

from elegans_keras.checks import check_choice, check_int, check_number, draw_seed
from elegans_keras.connectome import Connectome
from elegans_keras.connectome.core import SYNAPSE_KINDS
from elegans_keras.errors import ConfigurationError
from elegans_keras.layers.kernels import choose
from elegans_keras.layers.synapses import (
    SIGNS,
    WEIGHTS,
    Synapses,
    inhibitory_neurons,
    starting_values,
    synapses_of,
    tie_values,
)
from elegans_keras.layers.wiring import Wiring, WiringSpec, resolve_wiring, wiring_config

MAGNITUDES = WEIGHTS
# the synapse arguments every layer takes, with their defaults (ConnectomeDense's spectral
# radius defaults to None: unit incoming norms)
DEFAULTS: dict[str, Any] = {
    "synapses": "all",
    "magnitudes": "count",
    "signs": "random",
    "spectral_radius": 0.9,
    "nonneg": False,
    "implementation": "auto",
    "shared_values": None,
}
# a layer may derive its synapses' seed from its own (ReservoirCell draws a 32-bit one)
MAX_SYNAPSE_SEED = 2**32 - 1
_CACHE_SIZE = 16  # starting-value vectors kept (the worm's is 22 kB; a fly's a few MB)
_values_cache: OrderedDict[str, np.ndarray] = OrderedDict()


@dataclasses.dataclass(frozen=True, eq=False)
class SynapseSpec:
    """A wiring and the rules that make its synaptic values; build with :meth:`of`.

    Attributes:
        wiring: the resolved wiring, a Connectome or a (pre, post) CSR count matrix.
        synapses: ``"all"``, ``"chemical"`` or ``"electrical"`` (a Connectome's).
        magnitudes: ``"count"`` (``log(1 + count)``) or ``"random"`` (``|N(0, 1)|``).
        signs: ``"random"`` or ``"neurotransmitter"`` (Dale's principle).
        spectral_radius: scale the matrix to this radius; None: unit incoming norms.
        nonneg: drop the signs (all values non-negative).
        implementation: ``"auto"``, ``"dense"`` or ``"sparse"``.
        seed: the random magnitudes, signs and value sharing.
        shared_values: let the entries share this many values (None: one per pair).
        where: who built it, for error messages (not part of the value).
    """

    wiring: Wiring
    synapses: str = "all"
    magnitudes: str = "count"
    signs: str = "random"
    spectral_radius: float | None = 0.9
    nonneg: bool = False
    implementation: str = "auto"
    seed: int = 0
    shared_values: int | None = None
    where: str = dataclasses.field(default="SynapseSpec", compare=False)

    @classmethod
    def of(
        cls,
        connectome: WiringSpec,
        *,
        synapses: str = "all",
        magnitudes: str = "count",
        signs: str = "random",
        spectral_radius: float | None = 0.9,
        nonneg: bool = False,
        implementation: str = "auto",
        seed: int | None = None,
        shared_values: int | None = None,
        where: str = "SynapseSpec",
    ) -> SynapseSpec:
        """Resolve the wiring and check every rule; ``seed=None`` draws one (and keeps it).

        Raises:
            ConfigurationError / ConnectomeError: a bad wiring or rule, naming
                ``where`` and the argument.
        """
        spec = cls(
            wiring=resolve_wiring(connectome, f"{where}: connectome"),
            synapses=check_choice(synapses, "synapses", where, SYNAPSE_KINDS),
            magnitudes=check_choice(magnitudes, "magnitudes", where, MAGNITUDES),
            signs=check_choice(signs, "signs", where, SIGNS),
            spectral_radius=None
            if spectral_radius is None
            else check_number(spectral_radius, "spectral_radius", where, low=0.0),
            nonneg=bool(nonneg),
            implementation=implementation,
            seed=draw_seed(seed, where)
            if seed is None
            else check_int(seed, "seed", where, low=0, high=MAX_SYNAPSE_SEED),
            shared_values=None
            if shared_values is None
            else check_int(shared_values, "shared_values", where, low=1),
            where=where,
        )
        spec.check()
        return spec

    def check(self) -> None:
        """Every check but the spectral radius's (which needs the eigenvalue work of ``build``).

        Raises:
            ConfigurationError: a wiring that cannot take the rules (a plain
                mask with transmitter signs, a non-square one with a radius),
                or an implementation that does not fit it.
        """
        syn = self.synapses_data
        if self.signs == "neurotransmitter":
            if not isinstance(self.wiring, Connectome):
                raise ConfigurationError(
                    f"{self.where}: signs='neurotransmitter' needs a Connectome"
                )
            inhibitory_neurons(self.wiring, self.where)  # the transmitters are known
        if self.spectral_radius is not None and syn.num_pre != syn.num_post:
            raise ConfigurationError(
                f"{self.where}: a spectral radius needs a square synaptic matrix, "
                f"got {syn.num_pre} x {syn.num_post}"
            )
        self.compute_path  # noqa: B018 - checks the implementation against the wiring

    def replace(self, **changes: Any) -> SynapseSpec:
        """A copy with some fields changed, checked as :meth:`of` checks a new one.

        Example:
            >>> SynapseSpec.of(load_connectome(), seed=1).replace(signs="neurotransmitter").signs
            'neurotransmitter'
        """
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields.update(changes)
        return SynapseSpec.of(fields.pop("wiring"), **fields)

    @functools.cached_property
    def synapses_data(self) -> Synapses:
        """The :class:`Synapses` the layer computes on (values tied when ``shared_values``)."""
        try:
            syn = synapses_of(self.wiring, self.synapses)
            if self.shared_values is not None:
                syn = tie_values(syn, self.shared_values, self.seed)
        except ConfigurationError as err:
            raise ConfigurationError(f"{self.where}: {err}") from None
        return syn

    @functools.cached_property
    def compute_path(self) -> str:
        """``"dense"`` or ``"sparse"``: the implementation chosen for this wiring."""
        return choose(self.implementation, self.synapses_data, self.where)

    @property
    def num_neurons(self) -> int:
        """Neurons of a Connectome, presynaptic rows of a plain mask."""
        return self.synapses_data.num_pre

    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 (hex) over the wiring (and its attributes) and every rule: equal specs, equal
        fingerprints; the run records the fingerprint of the spec it trained on."""
        digest = hashlib.sha256(b"elegans-keras synapse spec v1\0")
        if isinstance(self.wiring, Connectome):
            digest.update(self.wiring.fingerprint.encode())
            transmitters = self.wiring.attributes.get("neurotransmitters")
            if self.signs == "neurotransmitter" and transmitters is not None:
                digest.update(repr(tuple(transmitters)).encode())
        else:
            matrix = self.wiring
            digest.update(repr(matrix.shape).encode())
            for array, dtype in (
                (matrix.indptr, "<i8"),
                (matrix.indices, "<i8"),
                (matrix.data, "<f8"),
            ):
                digest.update(np.ascontiguousarray(array, dtype=dtype).tobytes())
        rules = (
            self.synapses,
            self.magnitudes,
            self.signs,
            self.spectral_radius,
            self.nonneg,
            self.seed,
            self.shared_values,
        )
        digest.update(repr(rules).encode())
        return digest.hexdigest()

    def starting_values(self) -> np.ndarray:
        """The scaled starting values (V,) float64: computed once per content, then cached."""
        key = self.fingerprint
        if key in _values_cache:
            _values_cache.move_to_end(key)
            return _values_cache[key]
        values = starting_values(
            self.synapses_data,
            self.wiring,
            self.magnitudes,
            self.signs,
            self.seed,
            self.spectral_radius,
            self.where,
            nonneg=self.nonneg,
        )
        values.setflags(write=False)
        _values_cache[key] = values
        while len(_values_cache) > _CACHE_SIZE:
            _values_cache.popitem(last=False)
        return values

    def initializer(self) -> keras.initializers.Initializer:
        """A Keras initializer giving :meth:`starting_values` (for ``add_weight`` in ``build``)."""
        return ValuesInitializer(self.starting_values)

    def arguments(self) -> dict[str, Any]:
        """The plain layer arguments this spec stands for (a layer's config keys)."""
        return {
            "synapses": self.synapses,
            "magnitudes": self.magnitudes,
            "signs": self.signs,
            "spectral_radius": self.spectral_radius,
            "implementation": self.implementation,
            "seed": self.seed,
        }


class ValuesInitializer(keras.initializers.Initializer):
    """Initial values given as an array, or a function computing one on first use.

    For weights whose starting values are computed from data (the synapses'
    scaled values, a reservoir's fixed input weights); not serialisable (the
    layer's config holds what makes the values, not the values).

    Example:
        >>> ValuesInitializer(np.arange(3.0))((3,), "float32").numpy().tolist()
        [0.0, 1.0, 2.0]
    """

    def __init__(self, values: np.ndarray | Any) -> None:
        self.values = values

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        values = np.asarray(self.values() if callable(self.values) else self.values)
        if tuple(values.shape) != tuple(shape):
            raise ConfigurationError(
                f"initial values of shape {values.shape} for a weight of shape {tuple(shape)}"
            )
        return ops.convert_to_tensor(values, dtype=dtype or keras.config.floatx())


def spec_from_arguments(
    connectome: WiringSpec | SynapseSpec,
    given: dict[str, Any],
    defaults: dict[str, Any],
    where: str,
    seed: int | None,
    fixed: dict[str, Any] | None = None,
) -> SynapseSpec:
    """A layer's :class:`SynapseSpec`: the one it was given, or one built from plain arguments.

    Args:
        connectome: a SynapseSpec, or a wiring (then ``given`` and ``seed`` build the spec).
        given: the layer's synapse arguments (keywords of :meth:`SynapseSpec.of` but ``seed``).
        defaults: the layer's defaults for them. With a SynapseSpec, an
            argument left at its default is read from the spec; one set to
            anything else must agree with the spec.
        where: the layer, for error messages.
        seed: the seed of the synaptic values (None: draw one); with a
            SynapseSpec, None or the spec's own.
        fixed: spec fields the layer cannot express in its config (no argument
            of that name), with the only value it supports: a given spec with
            another value is refused, since a saved layer could not rebuild it.
    """
    if not isinstance(connectome, SynapseSpec):
        return SynapseSpec.of(connectome, where=where, seed=seed, **given)
    for key, value in (fixed or {}).items():
        if getattr(connectome, key) != value:
            raise ConfigurationError(
                f"{where}: takes no SynapseSpec with {key}={getattr(connectome, key)!r} (it "
                f"supports {key}={value!r} only: its config could not record another)"
            )
    if seed is not None and seed != connectome.seed:
        raise ConfigurationError(
            f"{where}: seed={seed!r} disagrees with the SynapseSpec's seed={connectome.seed!r}"
        )
    for key, value in given.items():
        if value != defaults[key] and value != getattr(connectome, key):
            raise ConfigurationError(
                f"{where}: {key}={value!r} disagrees with the SynapseSpec's "
                f"{key}={getattr(connectome, key)!r}; set it on the spec"
            )
    return connectome


def spec_config(spec: SynapseSpec) -> dict[str, Any]:
    """A layer config's entries for its spec: the wiring (JSON) and the plain arguments."""
    return {"connectome": wiring_config(spec.wiring), **spec.arguments()}


class SpecProperty:
    """A read-only layer attribute that is a field of the layer's ``spec``.

    Example:
        >>> layer = ek.layers.ConnectomeDense(load_connectome(), seed=3)
        >>> layer.seed, layer.magnitudes
        (3, 'count')
    """

    def __init__(self, field: str, doc: str) -> None:
        self.field = field
        self.__doc__ = doc

    def __get__(self, layer: Any, owner: type | None = None) -> Any:
        if layer is None:
            return self
        return getattr(layer.spec, self.field)

    def __set__(self, layer: Any, value: Any) -> None:
        raise AttributeError(f"{self.field} is read from the layer's SynapseSpec")


class SpecAttributes:
    """The read-only attributes a layer with a ``spec`` exposes (a mixin before ``Layer``)."""

    syn = SpecProperty("synapses_data", "the :class:`Synapses` the layer computes on")
    compute_path = SpecProperty("compute_path", "``dense`` or ``sparse``")
    wiring = SpecProperty("wiring", "the resolved wiring")
    synapses = SpecProperty("synapses", "which synapses")
    magnitudes = SpecProperty("magnitudes", "the magnitude rule")
    signs = SpecProperty("signs", "the sign rule")
    spectral_radius = SpecProperty("spectral_radius", "the scaling (None: unit incoming norms)")
    implementation = SpecProperty("implementation", "the implementation argument")
    weights_rule = magnitudes  # the name before issue 24
    spec: SynapseSpec

    @property
    def initial_values(self) -> np.ndarray:
        """The synapses' starting values (computed on first use, as ``build`` does)."""
        return self.spec.starting_values()


def required_connectome(connectome: Any, where: str) -> Any:
    """``connectome`` itself, or a ConfigurationError when it is missing."""
    if connectome is None:
        raise ConfigurationError(f"{where}: the connectome argument is missing")
    return connectome


def renamed_argument(
    kwargs: dict[str, Any], old: str, new: str, value: Any, default: Any, where: str
) -> Any:
    """The value of argument ``new``, taken from its old name ``old`` with a DeprecationWarning.

    ``kwargs`` are a layer's extra keywords; ``old`` is removed from them.
    Passing both names is an error.
    """
    if old not in kwargs:
        return value
    old_value = kwargs.pop(old)
    if value is not default and not (isinstance(value, str) and value == default):
        raise ConfigurationError(f"{where}: got both {old}= and {new}= (pass only {new}=)")
    warnings.warn(
        f"{where}: {old}= is deprecated (issue 24 vocabulary); pass {new}=",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_value


def synapse_specs(model: keras.Model | keras.layers.Layer) -> list[SynapseSpec]:
    """The SynapseSpec of every connectome layer in ``model`` (nested layers and RNN cells too).

    Example:
        >>> spec = SynapseSpec.of(load_connectome(), seed=0)
        >>> layer = ek.layers.ConnectomicBlock(spec)
        >>> [s.fingerprint == spec.fingerprint for s in synapse_specs(layer)]
        [True]
    """
    found: dict[int, SynapseSpec] = {}
    for layer in model._flatten_layers(include_self=True, recursive=True):
        for owner in (layer, getattr(layer, "cell", None)):
            spec = getattr(owner, "spec", None)
            if isinstance(spec, SynapseSpec):
                found.setdefault(id(spec), spec)
    return list(found.values())
