"""One vocabulary for metrics and null models: a Connectome, a name or a matrix; (c, *, seed, ...).

Old positional calls keep working for one release, with a DeprecationWarning naming the new form.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

from elegans_keras.connectome import metrics, nullmodels
from elegans_keras.connectome.metrics import (
    adjacency_spectral_radius,
    characteristic_path_length,
    clustering,
    compare,
    dyad_census,
    graph_metrics,
    role_mixing,
    small_world,
    spectral_radius,
    two_hop_paths,
)
from elegans_keras.connectome.nullmodels import NULL_MODELS, make_null_model, rewire
from elegans_keras.connectome.spectrum import spectral_radius as matrix_spectral_radius
from elegans_keras.errors import ConfigurationError, ConnectomeError

QUICK = {"n_references": 1, "lattice_niter": 3, "niter": 2}


@pytest.fixture
def strict():
    """New-style calls must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        yield


# --- metrics: a Connectome, a bundled name or a matrix ------------------------------------
def test_spectral_radius_takes_a_connectome_a_name_or_a_matrix(worm, strict):
    expected = adjacency_spectral_radius(worm)
    assert spectral_radius(worm) == expected == spectral_radius("celegans_herm")
    weights = worm.adjacency("all").astype(float)
    assert spectral_radius(weights) == pytest.approx(expected, rel=1e-12)
    signed = np.array([[0.0, -2.0], [0.5, 0.0]])
    assert spectral_radius(signed) == matrix_spectral_radius(signed)  # a matrix as is
    assert spectral_radius(signed.tolist()) == matrix_spectral_radius(signed)


def test_structural_metrics_on_a_matrix_equal_those_on_the_connectome(worm, strict):
    mask = worm.mask("all")
    assert clustering(mask) == clustering(worm)
    assert characteristic_path_length(mask) == characteristic_path_length(worm)
    assert dyad_census(worm.mask("chemical")) == dyad_census(worm)
    assert adjacency_spectral_radius(worm.adjacency("chemical"), weighted=False) == pytest.approx(
        adjacency_spectral_radius(worm, "chemical", weighted=False), rel=1e-12
    )
    assert small_world(mask.astype(float), seed=2, **QUICK) == small_world(worm, seed=2, **QUICK)


def test_metrics_take_a_bundled_name_as_layers_do(worm, strict):
    assert clustering("celegans_herm") == clustering(worm)
    assert role_mixing("celegans_herm").equals(role_mixing(worm))
    assert two_hop_paths("celegans_herm").equals(two_hop_paths(worm))


@pytest.mark.parametrize(
    "function",
    [
        role_mixing,
        two_hop_paths,
        graph_metrics,
        metrics.homophily,
        metrics.role_assortativity,
        metrics.role_homophily,
    ],
)
def test_metrics_that_need_roles_refuse_a_matrix_by_name(worm, function):
    with pytest.raises(
        ConfigurationError,
        match=f"{function.__name__}: needs the neurons' "
        "roles: expected a Connectome or a connectome name or path, got a matrix",
    ):
        function(worm.mask("all"))


@pytest.mark.parametrize(
    "bad, message",
    [
        (42, "expected a Connectome, a connectome name or path, or a square matrix, got int"),
        (np.zeros((2, 3)), r"matrix of shape \(2, 3\) is not square"),
        ([["a", "b"], ["c", "d"]], "expected a numeric square matrix, got list"),
        (np.array([[np.inf]]), "the matrix has non-finite entries"),
    ],
)
def test_bad_graphs_are_configuration_errors(bad, message):
    for function in (spectral_radius, clustering, dyad_census):
        with pytest.raises(ConfigurationError, match=f"{function.__name__}: {message}"):
            function(bad)


# --- seeds and options are keywords -------------------------------------------------------
SEEDED_METRICS = [small_world, graph_metrics, compare, characteristic_path_length]


@pytest.mark.parametrize("function", [*NULL_MODELS.values(), make_null_model, *SEEDED_METRICS])
def test_seed_is_a_keyword(function):
    parameters = inspect.signature(function).parameters.values()
    keywords = [p.name for p in parameters if p.kind == p.KEYWORD_ONLY]
    assert "seed" in keywords
    if function in (*NULL_MODELS.values(), make_null_model):
        assert keywords[0] == "seed"
        assert next(iter(parameters)).name == "connectome"


def test_small_world_seed_defaults_like_graph_metrics(strict):
    graph = np.eye(12, k=1) + np.eye(12, k=2) + np.eye(12, k=11)
    assert small_world(graph, **QUICK) == small_world(graph, seed=0, **QUICK)


def test_old_positional_metric_calls_warn_and_give_the_same(worm, strict):
    graph = worm.mask("all")
    with pytest.warns(
        DeprecationWarning,
        match=r"small_world\(c, seed, n_references\) is "
        r"deprecated: pass them by keyword, small_world\(c, seed=\.\.\.",
    ):
        old = small_world(graph, 3, 1, lattice_niter=3, niter=2)
    assert old == small_world(graph, seed=3, **QUICK)
    with pytest.warns(DeprecationWarning, match="characteristic_path_length"):
        old = characteristic_path_length(worm, "all", 20, 4)
    assert old == characteristic_path_length(worm, sources=20, seed=4)


def test_old_positional_graph_metrics_warns(worm, monkeypatch):
    calls = []
    monkeypatch.setattr(
        metrics,
        "small_world",
        lambda c, **kw: (
            calls.append(kw)
            or dict.fromkeys(("sigma", "omega", "clustering", "transitivity", "path_length"), 0.0)
        ),
    )
    with pytest.warns(DeprecationWarning, match=r"graph_metrics\(c, seed, n_references\)"):
        graph_metrics(worm, 5, 2)
    with pytest.warns(DeprecationWarning, match=r"compare\(connectomes, seed\)"):
        compare({"worm": worm}, 6)
    assert calls == [{"seed": 5, "n_references": 2}, {"seed": 6, "n_references": 10}]


# --- null models: (connectome, *, seed, ...) --------------------------------------------------
OLD_CALLS = {
    "rewire": ((0.2, 3), {"seed": 3, "p": 0.2}),
    "degree_preserving": ((4, 500), {"seed": 4, "swaps": 500}),
    "erdos_renyi": ((5,), {"seed": 5}),
    "watts_strogatz": ((6, 0.3), {"seed": 6, "p": 0.3}),
    "barabasi_albert": ((7,), {"seed": 7}),
    "shuffle_weights": ((8,), {"seed": 8}),
}


@pytest.mark.parametrize("family", sorted(OLD_CALLS))
def test_old_positional_null_model_calls_warn_and_give_the_same(worm, family):
    old_args, new_kwargs = OLD_CALLS[family]
    generator = NULL_MODELS[family]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        new = generator(worm, **new_kwargs)
    with pytest.warns(
        DeprecationWarning,
        match=rf"{family}\(connectome, .*\) is deprecated: "
        rf"pass them by keyword, {family}\(connectome, seed=\.\.\.",
    ):
        old = generator(worm, *old_args)
    assert old == new and old.name == new.name


def test_null_model_names_are_unchanged(worm, strict):
    assert rewire(worm, seed=3, p=0.2).name == "celegans_herm/rewire(p=0.2,seed=3)"
    assert (
        make_null_model(worm, "watts_strogatz", seed=1, p=0.2).name
        == "celegans_herm/watts_strogatz(p=0.2,seed=1)"
    )


def test_old_keyword_c_and_positional_make_null_model_warn(worm):
    with pytest.warns(
        DeprecationWarning,
        match=r"rewire\(c=\.\.\.\) is deprecated: pass "
        r"connectome=\.\.\.",
    ):
        renamed = rewire(c=worm, seed=1, p=0.1)
    assert renamed == rewire(worm, seed=1, p=0.1)
    with pytest.warns(DeprecationWarning, match=r"make_null_model\(connectome, family, seed\)"):
        old = make_null_model(worm, "erdos_renyi", 2)
    assert old == make_null_model(worm, "erdos_renyi", seed=2)


def test_too_many_or_repeated_arguments_are_type_errors(worm):
    with pytest.raises(TypeError, match="takes 1 positional argument"):
        nullmodels.erdos_renyi(worm, 1, 2)
    with pytest.raises(TypeError, match="multiple values for 'seed'"):
        nullmodels.erdos_renyi(worm, 1, seed=2)


# --- readers: (path(s), *, roles=None, default_role="I", name=None) ------------------------
READERS = ["read_adjacency", "read_edgelist", "read_flywire", "read_graphml", "read_neuprint"]
# The files each reader takes, in order: connections (or the chemical sheet) first.
READER_FILES = {
    "read_adjacency": ["chemical", "electrical"],
    "read_edgelist": ["path"],
    "read_flywire": ["connections", "classification", "neurons"],
    "read_graphml": ["path"],
    "read_neuprint": ["connections", "neurons"],
}


def test_every_reader_is_listed():
    import elegans_keras.connectome as room

    assert sorted(name for name in room.__all__ if name.startswith("read_")) == READERS


@pytest.mark.parametrize("reader", READERS)
def test_readers_take_roles_default_role_and_name_by_keyword(reader):
    import elegans_keras.connectome as room

    parameters = inspect.signature(getattr(room, reader)).parameters
    positional = [
        p.name for p in parameters.values() if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    assert positional == READER_FILES[reader]
    keywords = [p.name for p in parameters.values() if p.kind == inspect.Parameter.KEYWORD_ONLY]
    assert keywords[:3] == ["roles", "default_role", "name"]
    assert "citation" in keywords
    assert parameters["roles"].default is None and parameters["name"].default is None
    assert parameters["default_role"].default == "I"


def test_old_positional_read_graphml_warns_and_reads_the_same(tmp_path):
    import elegans_keras as ek

    edges = tmp_path / "edges.csv"
    edges.write_text("pre,post,count\nA,B,2\nB,C,1\n")
    plain = tmp_path / "plain.graphml"
    ek.write_graphml(ek.read_edgelist(edges), plain)
    with pytest.warns(DeprecationWarning, match=r"read_graphml\(path, default_role, name\)") as got:
        old = ek.read_graphml(plain, "I", "g")
    assert got[0].filename == __file__  # the warning points at the caller
    assert old.name == "g" and old == ek.read_graphml(plain, default_role="I", name="g")


def test_warnings_inside_wrapped_functions_point_at_the_caller(tmp_path, monkeypatch):
    import elegans_keras as ek

    connections = tmp_path / "c.csv"
    connections.write_text("bodyId_pre,bodyId_post,weight\n1,2,3\n2,3,1\n")
    neurons = tmp_path / "n.csv"
    neurons.write_text("bodyId,type\n1,A\n2,B\n")
    with pytest.warns(DeprecationWarning, match="read_neuprint") as got:
        ek.read_neuprint(neurons, connections)
    assert got[0].filename == __file__
    monkeypatch.setattr(metrics, "MAX_PATH_NEURONS", 2)
    graph = ek.read_neuprint(connections, neurons)
    with pytest.warns(UserWarning, match="path length, sigma and omega are left NaN") as got:
        graph_metrics(graph)
    assert got[0].filename == __file__


def test_read_graphml_roles_override_the_file(tmp_path):
    import elegans_keras as ek

    worm = ek.load_connectome("witvliet2021_1")
    path = ek.write_graphml(worm, tmp_path / "w.graphml")
    first = worm.names[0]
    other = next(role for role in "SIM" if role != worm.roles[0])
    read = ek.read_graphml(path, roles={first: other})
    assert read.roles[0] == other and read.roles[1:] == worm.roles[1:]
    with pytest.raises(ConnectomeError, match="roles= names neuron 'XYZ', which the file"):
        ek.read_graphml(path, roles={"XYZ": "S"})


@pytest.mark.parametrize(
    "reader, old_form",
    [
        ("read_edgelist", r"read_edgelist\(path, roles, default_role, sep, name\)"),
        ("read_adjacency", r"read_adjacency\(chemical, electrical, roles, default_role, name\)"),
    ],
)
def test_old_positional_csv_readers_warn_and_read_the_same(tmp_path, reader, old_form):
    import elegans_keras as ek

    if reader == "read_edgelist":
        path = tmp_path / "edges.csv"
        path.write_text("pre,post,count\nA,B,2\nB,C,1\n")
        call = getattr(ek, reader)
        with pytest.warns(DeprecationWarning, match=old_form) as got:
            old = call(path, {"A": "S"}, "M", ",", "g")
        new = call(path, roles={"A": "S"}, default_role="M", sep=",", name="g")
    else:
        path = tmp_path / "chem.csv"
        path.write_text(",A,B\nA,0,2\nB,1,0\n")
        call = getattr(ek, reader)
        with pytest.warns(DeprecationWarning, match=old_form) as got:
            old = call(path, None, {"A": "S"}, "M", "g")
        new = call(path, roles={"A": "S"}, default_role="M", name="g")
    assert got[0].filename == __file__  # the warning points at the caller
    assert "pass them by keyword" in str(got[0].message)
    assert old == new and old.name == "g" and old.roles == new.roles
    assert old.roles[:2] == ("S", "M")


def test_cell_table_warnings_point_at_the_caller_through_the_wrapper(tmp_path):
    """keep_cells warns from inside a wrapped reader: the warning still names this file."""
    import elegans_keras as ek
    from elegans_keras.errors import CellTableWarning

    edges = tmp_path / "edges.csv"
    edges.write_text("pre,post\nAVAL,dBWML1\nAVAL,AVBL\n")
    sheet = tmp_path / "chem.csv"
    sheet.write_text(",AVAL,dBWML1\nAVAL,0,1\ndBWML1,0,0\n")
    for read in (
        lambda: ek.read_edgelist(edges),
        lambda: ek.read_adjacency(sheet),
        lambda: ek.resolve_connectome(str(edges)),
    ):
        with pytest.warns(CellTableWarning, match="left out 1") as got:
            read()
        assert [w.filename for w in got] == [__file__]
    with warnings.catch_warnings(record=True) as got:  # the old positional form: same place
        warnings.simplefilter("always")
        ek.read_edgelist(edges, None, "I", ",", None, "", "all")
    assert [w.category for w in got] == [DeprecationWarning, CellTableWarning]
    assert {w.filename for w in got} == {__file__}


def test_from_networkx_follows_the_reader_vocabulary():
    """from_networkx(graph, *, roles=None, default_role="I", name=None): the same role rule."""
    import networkx as nx

    import elegans_keras as ek

    parameters = inspect.signature(ek.from_networkx).parameters
    assert [p.kind for p in parameters.values()][1:] == [inspect.Parameter.KEYWORD_ONLY] * 4
    assert list(parameters)[1:4] == ["roles", "default_role", "name"]
    graph = nx.DiGraph()
    graph.add_node("A", role="S")
    graph.add_edge("A", "B")
    graph.add_edge("B", "C")
    assert ek.from_networkx(graph).roles == ("S", "I", "I")
    assert ek.from_networkx(graph, roles={"A": "M", "C": "S"}).roles == ("M", "I", "S")
    assert ek.from_networkx(graph, default_role="M").roles == ("S", "M", "M")
    with pytest.raises(ConnectomeError, match="node 'B' has no role"):
        ek.from_networkx(graph, default_role=None)
    with pytest.raises(ConnectomeError, match="roles= names neuron 'Z', which the graph"):
        ek.from_networkx(graph, roles={"Z": "S"})
    with pytest.warns(
        DeprecationWarning, match=r"from_networkx\(graph, default_role, name\)"
    ) as got:
        old = ek.from_networkx(graph, "M", "g")
    assert got[0].filename == __file__
    assert old == ek.from_networkx(graph, default_role="M", name="g") and old.name == "g"
