"""SynapseSpec: one set-up path for every connectome layer, and the issue-24 vocabulary."""

from __future__ import annotations

import json
import warnings

import keras
import numpy as np
import pytest
from layer_helpers import numpy

from elegans_keras import ConfigurationError, ConnectomeError
from elegans_keras.layers import (
    ConnectomeDense,
    ConnectomicBlock,
    EchoStateTransformer,
    MotorAttentionReadout,
    ReservoirCell,
    ReservoirRNN,
    SynapseSpec,
)
from elegans_keras.layers.synapse_spec import synapse_specs
from elegans_keras.models import (
    echo_state_network,
    echo_state_transformer_classifier,
    elegans_autoencoder,
    elegans_classifier,
    memory_scores,
)


def _outputs(layer, shape, seed=0):
    inputs = np.random.default_rng(seed).random((2, *shape)).astype("float32")
    return numpy(layer(inputs))


def test_a_spec_builds_once_and_checks_its_arguments(worm):
    spec = SynapseSpec.of(worm, signs="neurotransmitter", seed=3)
    assert spec.synapses_data.num_values == 2711 and spec.compute_path == "dense"
    with pytest.raises(ConfigurationError, match="magnitudes='sqrt'"):
        SynapseSpec.of(worm, magnitudes="sqrt")
    with pytest.raises(ConfigurationError, match="needs a Connectome"):
        SynapseSpec.of(np.ones((3, 3)), signs="neurotransmitter")
    with pytest.raises(ConfigurationError, match="square"):
        SynapseSpec.of(np.ones((3, 4)))
    assert isinstance(SynapseSpec.of(worm).seed, int)  # None draws a seed and keeps it


def test_starting_values_wait_for_build_and_are_cached_by_content(worm):
    acyclic = SynapseSpec.of(np.triu(np.ones((4, 4)), k=1), seed=0)  # no eigenvalue work yet
    layer = ConnectomeDense(acyclic)
    with pytest.raises(ConnectomeError, match="no cycle"):
        layer.build((None, 4))
    first = SynapseSpec.of(worm, seed=5).starting_values()
    again = SynapseSpec.of(worm, seed=5).starting_values()  # another object, the same content
    assert again is first and not first.flags.writeable
    assert SynapseSpec.of(worm, seed=6).fingerprint != SynapseSpec.of(worm, seed=5).fingerprint


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda c, **k: ConnectomeDense(c, **k), (279,)),
        (lambda c, **k: ConnectomicBlock(c, features=3, **k), (5,)),
        (
            lambda c, **k: ReservoirRNN(ReservoirCell(c, seed=4, **k), return_sequences=True),
            (4, 2),
        ),
        (
            lambda c, **k: EchoStateTransformer(
                c, d_model=8, num_heads=2, num_blocks=1, ff_dim=8, seed=4, **k
            ),
            (4, 2),
        ),
    ],
    ids=["ConnectomeDense", "ConnectomicBlock", "ReservoirCell", "EchoStateTransformer"],
)
def test_every_layer_takes_a_spec_and_computes_as_with_plain_arguments(worm, make, shape):
    radius = 1.2
    plain = make(worm, spectral_radius=radius, signs="neurotransmitter", magnitudes="random")
    spec = (plain.cell if hasattr(plain, "cell") else plain).spec
    given = make(spec)
    assert synapse_specs(given)[0] is spec
    np.testing.assert_allclose(_outputs(given, shape), _outputs(plain, shape), rtol=1e-6)
    config = json.loads(json.dumps(given.get_config()))
    rebuilt = type(given).from_config(config)
    np.testing.assert_allclose(_outputs(rebuilt, shape), _outputs(plain, shape), rtol=1e-6)


def test_a_plain_argument_that_disagrees_with_the_spec_is_refused(worm):
    spec = SynapseSpec.of(worm, spectral_radius=0.9, seed=1)
    with pytest.raises(ConfigurationError, match="spectral_radius=0.5 disagrees"):
        ConnectomicBlock(spec, spectral_radius=0.5)
    with pytest.raises(ConfigurationError, match="seed=2 disagrees"):
        ConnectomicBlock(spec, seed=2)
    assert ConnectomicBlock(spec, spectral_radius=0.9).spec is spec  # agreeing is fine


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            lambda w: ConnectomeDense(connectome_or_mask=w, weights="random", seed=1),
            lambda w: ConnectomeDense(w, magnitudes="random", seed=1),
        ),
        (
            lambda w: ReservoirCell(w, output_neurons="M", weights="random", seed=1),
            lambda w: ReservoirCell(w, state_neurons="M", magnitudes="random", seed=1),
        ),
        (
            lambda w: ConnectomicBlock(w, weights="random", seed=1),
            lambda w: ConnectomicBlock(w, magnitudes="random", seed=1),
        ),
    ],
    ids=["ConnectomeDense", "ReservoirCell", "ConnectomicBlock"],
)
def test_old_layer_names_warn_and_mean_the_same(worm, old, new):
    with pytest.warns(DeprecationWarning, match="deprecated"):
        before = old(worm)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        after = new(worm)
    np.testing.assert_array_equal(before.spec.starting_values(), after.spec.starting_values())
    unnamed = (
        {k: v for k, v in layer.get_config().items() if k != "name"} for layer in (before, after)
    )
    assert next(unnamed) == next(unnamed)


def test_both_old_and_new_names_is_an_error(worm):
    with pytest.raises(ConfigurationError, match="both weights= and magnitudes="):
        ConnectomeDense(worm, weights="random", magnitudes="random")


def test_factories_take_the_connectome_first_and_warn_on_the_old_order(worm):
    with pytest.warns(DeprecationWarning, match="by position is deprecated"):
        old = elegans_classifier((28, 28, 1), 10, worm, "reservoir", features=4, seed=2)
    new = elegans_classifier(worm, input_shape=(28, 28, 1), mode="reservoir", features=4, seed=2)
    images = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(old.predict(images, verbose=0), new.predict(images, verbose=0))
    with pytest.warns(DeprecationWarning):
        elegans_autoencoder((28, 28, 1), worm, features=2, filters=(4, 4), decoder_filters=(4, 4))
    with pytest.warns(DeprecationWarning, match="output_neurons"):
        echo_state_network(worm, output_neurons="M")
    with pytest.warns(DeprecationWarning):
        echo_state_transformer_classifier((28, 28, 1), 10, worm, d_model=8, num_blocks=1)
    with pytest.raises(TypeError, match="multiple values"):
        elegans_classifier((28, 28, 1), input_shape=(28, 28, 1))


def test_a_factory_builds_one_spec_and_the_model_reports_it(worm):
    spec = SynapseSpec.of(worm, signs="neurotransmitter", seed=7)
    model = elegans_classifier(spec, features=4)
    assert [s.fingerprint for s in synapse_specs(model)] == [spec.fingerprint]
    plain = elegans_classifier(worm, features=4, signs="neurotransmitter", seed=7)
    assert [s.fingerprint for s in synapse_specs(plain)] == [spec.fingerprint]


def test_echo_state_network_takes_a_mask_as_its_cell_does():
    mask = np.ones((5, 5)) - np.eye(5)
    esn = echo_state_network(mask, input_neurons="all", seed=0)
    assert esn.get_layer("reservoir").cell.num_neurons == 5
    scores = memory_scores(mask, length=200, washout=20, max_delay=3)
    assert 0 <= scores["memory_capacity"] <= 3


def test_echo_state_transformer_mode_trains_the_reservoir_or_not(worm):
    frozen = EchoStateTransformer(worm, d_model=8, num_heads=2, num_blocks=1, ff_dim=8, seed=0)
    deep = EchoStateTransformer(
        worm, d_model=8, num_heads=2, num_blocks=1, ff_dim=8, mode="deep", seed=0
    )
    for layer in (frozen, deep):
        layer.build((None, 4, 2))
    trained = {w.path.split("/")[-1] for w in deep.trainable_weights}
    assert "recurrent_values" in trained
    assert "recurrent_values" not in {w.path.split("/")[-1] for w in frozen.trainable_weights}
    assert EchoStateTransformer.from_config(deep.get_config()).mode == "deep"


def test_motor_attention_seed_none_draws_one_and_records_it():
    readout = MotorAttentionReadout(num_heads=2, key_dim=4)
    assert isinstance(readout.seed, int)
    assert readout.get_config()["seed"] == readout.seed


def test_a_bundled_wiring_is_saved_by_fingerprint_not_by_synapse_lists(worm, tmp_path):
    block = ConnectomicBlock(worm, features=3, seed=0)
    config = block.get_config()
    assert config["connectome"] == {"bundled": "celegans_herm", "fingerprint": worm.fingerprint}
    assert len(json.dumps(config)) < 2000
    changed = dict(config, connectome={**config["connectome"], "fingerprint": "0" * 64})
    with pytest.raises(ConfigurationError, match="its data changed"):
        ConnectomicBlock.from_config(changed)
    custom = worm.replace(name="my worm")  # not a bundled connectome: saved as lists
    assert "chemical" in ConnectomicBlock(custom, seed=0).get_config()["connectome"]
    inputs = keras.Input((5,))
    model = keras.Model(inputs, block(inputs))
    model.save(tmp_path / "block.keras")
    loaded = keras.saving.load_model(tmp_path / "block.keras")
    x = np.ones((2, 5), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_every_layer_and_factory_speaks_one_vocabulary():
    import inspect

    from elegans_keras.models import plain_autoencoder, plain_classifier

    wired = [
        ConnectomeDense,
        ReservoirCell,
        ConnectomicBlock,
        EchoStateTransformer,
        elegans_classifier,
        elegans_autoencoder,
        echo_state_network,
        echo_state_transformer_classifier,
        memory_scores,
    ]
    retired = {"weights", "output_neurons", "connectome_or_mask"}
    for item in [*wired, MotorAttentionReadout, plain_classifier, plain_autoencoder]:
        function = item.__init__ if isinstance(item, type) else item
        parameters = list(inspect.signature(function).parameters)
        assert not retired & set(parameters), (item.__name__, retired & set(parameters))
        if item in wired:
            first = parameters[1] if isinstance(item, type) else parameters[0]
            assert first == "connectome", item.__name__
            assert {"magnitudes", "signs", "spectral_radius", "seed"} <= set(parameters)
    # the five reservoir signatures share the reservoir's names
    reservoirs = [
        ReservoirCell.__init__,
        EchoStateTransformer.__init__,
        echo_state_network,
        echo_state_transformer_classifier,
        memory_scores,
    ]
    for function in reservoirs:
        assert {"spectral_radius", "leak_rate"} <= set(inspect.signature(function).parameters)
    for function in reservoirs[:3]:
        names = set(inspect.signature(function).parameters)
        assert {"input_neurons", "state_neurons", "implementation"} <= names


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda w: ConnectomeDense(SynapseSpec.of(w, shared_values=50)), "shared_values=50"),
        (lambda w: ReservoirCell(SynapseSpec.of(w, nonneg=True)), "nonneg=True"),
        (lambda w: ReservoirCell(SynapseSpec.of(w, shared_values=50)), "shared_values=50"),
        (lambda w: ConnectomicBlock(SynapseSpec.of(w, nonneg=True)), "nonneg=True"),
        (lambda w: ConnectomicBlock(SynapseSpec.of(w, synapses="chemical")), "synapses='chem"),
        (
            lambda w: EchoStateTransformer(SynapseSpec.of(w, synapses="chemical"), d_model=8),
            "synapses='chem",
        ),
    ],
)
def test_a_spec_a_layer_could_not_save_is_refused(worm, make, field):
    # found in review: these were accepted, then saved without the field and rebuilt otherwise
    with pytest.raises(ConfigurationError, match=f"takes no SynapseSpec with {field}"):
        make(worm)


def test_a_block_on_a_spec_with_shared_values_round_trips(worm):
    layer = ConnectomicBlock(SynapseSpec.of(worm, shared_values=50, seed=5), features=3)
    outputs = _outputs(layer, (5,))
    rebuilt = ConnectomicBlock.from_config(json.loads(json.dumps(layer.get_config())))
    assert rebuilt.syn.num_values == 50
    np.testing.assert_allclose(_outputs(rebuilt, (5,)), outputs, rtol=1e-6)


def test_replace_checks_like_of(worm):
    spec = SynapseSpec.of(worm, seed=1)
    assert spec.replace(seed=2).fingerprint == SynapseSpec.of(worm, seed=2).fingerprint
    with pytest.raises(ConfigurationError, match="signs='bogus'"):
        spec.replace(signs="bogus")
