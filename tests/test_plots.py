"""The figures: each is a real, non-trivial image of the expected size; bad input writes nothing."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from scipy import stats

from elegans_keras.connectome import ROLES
from elegans_keras.errors import ConfigurationError, ConnectomeError, WeightsError
from elegans_keras.plots import (
    PLOTS,
    plot_adjacency,
    plot_connectome,
    plot_curves,
    plot_model_reconstructions,
    plot_reconstructions,
)
from elegans_keras.plots.connectome import (
    edge_curves,
    node_layout,
    role_order,
    soma_positions,
)
from elegans_keras.plots.curves import metric_names
from elegans_keras.plots.figures import ELECTRICAL_COLOUR
from elegans_keras.study.figures import (
    confidence_band,
    family_order,
    label_weights,
    plot_topology,
    read_topology,
    topology_figure,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DPI = 60


def read_png(path, height: float, width: float) -> np.ndarray:
    """Check a written PNG: signature, size (inches * DPI) and real content; return its pixels."""
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(path)
    assert image.shape == (round(height * DPI), round(width * DPI), 4)
    rgb = image[..., :3]
    assert rgb.std() > 0.03
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 20
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary left
    return rgb


def pixels_of(rgb: np.ndarray, colour: str) -> int:
    return int(np.all(np.abs(rgb - np.array(to_rgb(colour))) < 0.02, axis=-1).sum())


# --- connectome and adjacency ---------------------------------------------------------------
def test_role_order_groups_roles_then_soma_position(worm):
    order = role_order(worm)
    assert sorted(order) == list(range(worm.num_neurons))
    roles = [worm.roles[i] for i in order]
    assert roles == sorted(roles, key=ROLES.index)
    soma = soma_positions(worm)
    for role in ROLES:
        inside = [soma[i] for i in order if worm.roles[i] == role]
        assert inside == sorted(inside)


def test_layout_puts_sensory_above_inter_above_motor(worm):
    positions = node_layout(worm)
    band = {r: positions[worm.role_indices(r), 1] for r in ROLES}
    assert band["S"].min() > band["I"].max() and band["I"].min() > band["M"].max()
    assert 0 < positions[:, 0].min() and positions[:, 0].max() < 1


def test_edge_curves_join_their_neurons_and_bend_left():
    positions = np.array([[0.0, 0.0], [1.0, 0.0]])
    forward = edge_curves(positions, np.array([0]), np.array([1]), bend=0.2)[0]
    backward = edge_curves(positions, np.array([1]), np.array([0]), bend=0.2)[0]
    np.testing.assert_allclose(forward[[0, -1]], positions)
    assert forward[:, 1].max() > 0.05 and backward[:, 1].min() < -0.05


def test_connectome_figure_shows_electrical_junctions(worm, tmp_path):
    rgb = read_png(plot_connectome(worm, tmp_path / "a" / "worm.png", dpi=DPI), 8, 15)
    plain = worm.replace(electrical=worm.electrical * 0)
    rgb_plain = read_png(plot_connectome(plain, tmp_path / "b" / "worm.png", dpi=DPI), 8, 15)

    def orange_tinted(image):  # the dashed junctions, blended over white or blue lines
        red, green, blue = np.moveaxis(image, -1, 0)
        return int(((red > 0.8) & (red - blue > 0.2) & (green > 0.45)).sum())

    assert orange_tinted(rgb) > 20 * orange_tinted(rgb_plain)


def test_adjacency_figure_colours_electrical_cells(worm, tmp_path):
    rgb = read_png(PLOTS["adjacency"]("celegans_herm", tmp_path / "a" / "adj.png", dpi=DPI), 9.4, 9)
    plain = worm.replace(electrical=worm.electrical * 0)
    rgb_plain = read_png(plot_adjacency(plain, tmp_path / "b" / "adj.png", dpi=DPI), 9.4, 9)
    assert pixels_of(rgb, ELECTRICAL_COLOUR) > pixels_of(rgb_plain, ELECTRICAL_COLOUR) + 200


def test_connectome_figures_refuse_bad_input_before_writing(tmp_path):
    with pytest.raises(ConnectomeError, match="no_such_worm"):
        plot_connectome("no_such_worm", tmp_path / "worm.png")
    with pytest.raises(ConnectomeError, match="missing.csv"):
        plot_adjacency(tmp_path / "missing.csv", tmp_path / "adj.png")
    with pytest.raises(ConfigurationError, match=r"adj\.txt.*'\.txt'"):
        plot_adjacency("celegans_herm", tmp_path / "adj.txt")
    assert list(tmp_path.iterdir()) == []


# --- training curves ------------------------------------------------------------------------
@pytest.fixture
def run_dir(tmp_path):
    folder = tmp_path / "mnist_classify" / "deep-seed0"
    folder.mkdir(parents=True)
    epochs = np.arange(6)
    pd.DataFrame(
        {
            "epoch": epochs,
            "accuracy": 0.5 + 0.08 * epochs,
            "learning_rate": 1e-3,
            "loss": 1.0 / (1 + epochs),
            "pixel_accuracy": 0.9 + 0.01 * epochs,
            "val_accuracy": 0.48 + 0.07 * epochs,
            "val_loss": [1.0, 0.6, 0.4, 0.35, 0.38, 0.41],
        }
    ).to_csv(folder / "metrics.csv", index=False)
    return folder


def test_metric_names_pair_training_and_validation_columns(run_dir):
    table = pd.read_csv(run_dir / "metrics.csv")
    assert metric_names(table) == ["accuracy", "loss", "pixel_accuracy"]


def test_curves_figure(run_dir, tmp_path):
    out = tmp_path / "figures" / "curves.png"
    read_png(plot_curves(run_dir, out, dpi=DPI), 3.0 + 0.4, 4.2 * 3)
    read_png(
        plot_curves(run_dir / "metrics.csv", tmp_path / "two" / "c.png", columns=2, dpi=DPI),
        2 * 3.0 + 0.4,
        4.2 * 2,
    )


@pytest.mark.parametrize(
    "content, problem",
    [
        (None, "does not exist"),
        ("", "unreadable"),
        ("loss,val_loss\n0.5,0.6\n", "no 'epoch' column"),
        ("epoch,loss\n", "no epochs"),
        ("epoch,loss\nfirst,0.5\n", "'epoch' column is not numeric"),
        ("epoch,note\n0,ok\n", "no numeric metric"),
    ],
)
def test_curves_refuse_bad_logs(tmp_path, content, problem):
    folder = tmp_path / "run"
    folder.mkdir()
    if content is not None:
        (folder / "metrics.csv").write_text(content)
    with pytest.raises(ConfigurationError, match=f"metrics.csv.*{problem}"):
        plot_curves(folder, tmp_path / "out" / "curves.png")
    assert not (tmp_path / "out").exists()


# --- reconstructions ------------------------------------------------------------------------
def digits(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((count, 28, 28, 1)) > 0.8).astype(np.float32)


def test_reconstruction_grid(tmp_path):
    images = digits(10)
    out = tmp_path / "recon.png"
    rgb = read_png(
        plot_reconstructions(images, 0.8 * images + 0.1, out, n=6, dpi=DPI), 3.2, 1.3 * 6 + 0.8
    )
    assert pixels_of(rgb, "white") > 1000 and pixels_of(rgb, "black") > 1000


@pytest.mark.parametrize(
    "images, recon, n, problem",
    [
        (digits(4), digits(4)[:, :14], 4, "differ"),
        (digits(4), digits(4), 5, "n=5"),
        (digits(4), digits(4), 0, "n=0"),
        (digits(4), np.full((4, 28, 28), np.nan), 4, "NaN"),
        (np.zeros((4, 28)), np.zeros((4, 28)), 4, "shape"),
    ],
)
def test_reconstruction_grid_refuses_bad_arrays(tmp_path, images, recon, n, problem):
    with pytest.raises(ConfigurationError, match=problem):
        plot_reconstructions(images, recon, tmp_path / "recon.png", n=n)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from elegans_keras.models import elegans_autoencoder
    from elegans_keras.pretrained import publish

    folder = tmp_path_factory.mktemp("weights")
    run = tmp_path_factory.mktemp("logs") / "mnist_unsup" / "tiny-run"
    run.mkdir(parents=True)
    record = {
        "experiment": "mnist_unsup",
        "factory": "elegans_autoencoder",
        "config": {"features": 4},
        "test_data": {"dataset": "mnist", "binarize": 0.3, "target": "input"},
        "test_metrics": {},
        "logs": str(run),
    }
    publish(elegans_autoencoder(features=4), "tiny", record, weights_dir=folder)
    return folder, run


def test_published_model_reconstructions_by_name_and_run(published, tmp_path):
    weights_dir, run = published
    rgb = read_png(
        PLOTS["reconstructions"](
            "tiny", tmp_path / "a" / "r.png", n=4, weights_dir=weights_dir, dpi=DPI
        ),
        3.2,
        1.3 * 4 + 0.8,
    )
    same = read_png(
        plot_model_reconstructions(
            run, tmp_path / "b" / "r.png", n=4, weights_dir=weights_dir, dpi=DPI
        ),
        3.2,
        1.3 * 4 + 0.8,
    )
    np.testing.assert_array_equal(rgb, same)


def test_published_model_reconstructions_refuse_unknown_sources(published, tmp_path):
    weights_dir, _ = published
    out = tmp_path / "out" / "r.png"
    with pytest.raises(WeightsError, match="'other'.*tiny"):
        plot_model_reconstructions("other", out, weights_dir=weights_dir)
    stray = tmp_path / "stray-run"
    stray.mkdir()
    with pytest.raises(ConfigurationError, match="stray-run.*no published weights"):
        plot_model_reconstructions(stray, out, weights_dir=weights_dir)
    assert not out.parent.exists()


# --- topology study -------------------------------------------------------------------------
def topology_rows(seeds: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [{"family": "connectome", "p": np.nan, "seed": s} for s in range(seeds)]
    rows += [
        {"family": "rewire", "p": p, "seed": s}
        for p in (0.0, 0.01, 0.1, 0.5, 1.0)
        for s in range(seeds)
    ]
    rows += [
        {"family": f, "p": np.nan, "seed": s}
        for f in ("erdos_renyi", "watts_strogatz")
        for s in range(seeds)
    ]
    table = pd.DataFrame(rows)
    drop = np.where(table["family"] == "rewire", 0.05 * table["p"].fillna(0), 0.03)
    table["test_accuracy"] = 0.95 - drop + 0.01 * rng.standard_normal(len(table))
    table["nrmse"] = 0.2 + drop
    return table


def test_confidence_band_is_the_t_interval():
    table = topology_rows()
    band = confidence_band(table[table["family"] == "rewire"], "test_accuracy")
    assert list(band.index) == [0.0, 0.01, 0.1, 0.5, 1.0]
    values = table.loc[(table["family"] == "rewire") & (table["p"] == 0.1), "test_accuracy"]
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    np.testing.assert_allclose(band.loc[0.1, ["low", "high"]].to_numpy(float), [low, high])
    single = confidence_band(pd.DataFrame({"p": [0.3], "m": [1.0]}), "m")
    assert np.isnan(single.loc[0.3, "low"]) and single.loc[0.3, "mean"] == 1.0


def test_family_order_puts_the_connectome_first():
    assert family_order(pd.Series(["ba", "rewire", "er", "connectome", "ba"])) == [
        "connectome",
        "rewire",
        "ba",
        "er",
    ]


def test_topology_figure_and_default_metric(tmp_path):
    csv = tmp_path / "study" / "topology.csv"
    csv.parent.mkdir()
    topology_rows().to_csv(csv, index=False)
    assert read_topology(csv)[1] == "test_accuracy"
    assert read_topology(csv, metric="nrmse")[1] == "nrmse"
    out = tmp_path / "figures" / "topology.png"
    read_png(plot_topology(csv, out, dpi=DPI), 5.0, 13.0)
    without_rewire = tmp_path / "study" / "families.csv"
    topology_rows().query("family != 'rewire'").drop(columns="test_accuracy").to_csv(
        without_rewire, index=False
    )
    assert read_topology(without_rewire)[1] == "nrmse"
    read_png(plot_topology(without_rewire, tmp_path / "other" / "t.png", dpi=DPI), 5.0, 13.0)


def test_rewiring_colour_scale_spans_p_from_0_to_1_even_for_one_p():
    """One rewiring probability (the study's MNIST arm ran p = 1 only) is not a 0.9-1.1 scale."""
    table = topology_rows().query("family != 'rewire' or p == 1.0")
    figure = topology_figure(table, "test_accuracy", "one p")
    scales = [c.get_clim() for a in figure.axes for c in a.collections if c.get_array() is not None]
    assert scales and all(scale == (0.0, 1.0) for scale in scales)


@pytest.mark.parametrize(
    "change, metric, problem",
    [
        (lambda t: t.drop(columns="p"), None, r"lacks column\(s\) \['p'\]"),
        (lambda t: t.drop(columns=["test_accuracy", "nrmse"]), None, "none of the metric columns"),
        (lambda t: t, "f1", "no column 'f1'"),
        (lambda t: t.assign(nrmse="high"), "nrmse", "'nrmse' is not numeric"),
        (lambda t: t.assign(test_accuracy=np.nan), None, "no run with a 'test_accuracy' value"),
    ],
)
def test_topology_refuses_bad_tables(tmp_path, change, metric, problem):
    csv = tmp_path / "topology.csv"
    change(topology_rows()).to_csv(csv, index=False)
    with pytest.raises(ConfigurationError, match=f"topology.csv.*{problem}"):
        plot_topology(csv, tmp_path / "out" / "topology.png", metric=metric)
    with pytest.raises(ConfigurationError, match="missing.csv.*does not exist"):
        plot_topology(tmp_path / "missing.csv", tmp_path / "out" / "topology.png")
    assert not (tmp_path / "out").exists()


def test_plots_registry_names_the_cli_figures():
    assert set(PLOTS) == {"connectome", "adjacency", "curves", "reconstructions"}


def test_weight_variants_are_their_own_conditions_in_figures():
    table = pd.DataFrame(
        {"family": ["connectome", "connectome", "rewire"], "weights": ["count", "random", "count"]}
    )
    assert list(label_weights(table)["family"]) == ["connectome", "connectome [random]", "rewire"]
