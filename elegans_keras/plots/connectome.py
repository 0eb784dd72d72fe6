"""Figures of a wiring diagram: the graph drawn by role, and its role-sorted adjacency matrix."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from elegans_keras.connectome import ROLES, Connectome, resolve_connectome
from elegans_keras.plots.figures import (
    CHEMICAL_COLOUR,
    ELECTRICAL_COLOUR,
    ROLE_COLOURS,
    ROLE_NAMES,
    check_output,
    new_figure,
    save_figure,
)

BAND_Y = {"S": 2.0, "I": 1.0, "M": 0.0}
STAGGER = 0.09
CURVE_POINTS = 16


def soma_positions(connectome: Connectome) -> np.ndarray | None:
    """The ``soma_pos`` attribute as floats (NaN where unknown), or None if absent.

    Example:
        >>> soma_positions(load_connectome())[:2]
        array([0.21, 0.21])
    """
    column = connectome.attributes.get("soma_pos")
    if column is None:
        return None
    values = np.full(len(column), np.nan)
    for i, value in enumerate(column):
        try:
            values[i] = float(value)
        except (TypeError, ValueError):
            continue
    return None if np.all(np.isnan(values)) else values


def role_order(connectome: Connectome) -> np.ndarray:
    """Neuron indices grouped S, I, M; inside a group by soma position (unknown last), then index.

    Example:
        >>> order = role_order(load_connectome())
        >>> {load_connectome().roles[i] for i in order[:98]}
        {'S'}
    """
    soma = soma_positions(connectome)
    key = np.zeros(connectome.num_neurons) if soma is None else np.nan_to_num(soma, nan=np.inf)
    rank = np.array([ROLES.index(r) for r in connectome.roles])
    return np.lexsort((np.arange(connectome.num_neurons), key, rank))


def node_layout(connectome: Connectome) -> np.ndarray:
    """(N, 2) node positions: one horizontal band per role (sensory on top, motor at the bottom).

    Inside a band the neurons are spread evenly from left to right in
    :func:`role_order` (anterior to posterior when soma positions are known)
    and staggered over three rows so that edges inside a band stay visible.

    Example:
        >>> node_layout(load_connectome()).shape
        (279, 2)
    """
    positions = np.zeros((connectome.num_neurons, 2))
    order = role_order(connectome)
    roles = np.array(connectome.roles)[order]
    for role in ROLES:
        members = order[roles == role]
        rank = np.arange(len(members))
        positions[members, 0] = (rank + 0.5) / max(len(members), 1)
        positions[members, 1] = BAND_Y[role] + STAGGER * (rank % 3 - 1)
    return positions


def edge_curves(
    positions: np.ndarray, pre: np.ndarray, post: np.ndarray, bend: float
) -> np.ndarray:
    """(E, CURVE_POINTS, 2) quadratic Bezier curves from ``pre`` to ``post`` nodes.

    The control point sits ``bend`` times the edge length to the left of the
    pre->post direction, so opposite edges between two neurons do not overlap.

    Example:
        >>> edge_curves(np.array([[0., 0.], [1., 0.]]), np.array([0]), np.array([1]), 0.3).shape
        (1, 16, 2)
    """
    start, end = positions[pre], positions[post]
    delta = end - start
    normal = np.stack([-delta[:, 1], delta[:, 0]], axis=1)
    control = (start + end) / 2 + bend * normal
    t = np.linspace(0.0, 1.0, CURVE_POINTS)[None, :, None]
    start, control, end = start[:, None], control[:, None], end[:, None]
    return (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end


def plot_connectome(
    connectome: Connectome | str | os.PathLike | None,
    out: str | os.PathLike,
    width: float = 15.0,
    height: float = 8.0,
    dpi: int = 150,
) -> Path:
    """Draw the connectome as three role bands with chemical and electrical synapses.

    Chemical synapses are thin solid blue curves that bend to the left of
    their pre->post direction; electrical junctions are dashed orange curves
    (one per pair; self-loops are not drawn). Node area grows with degree.

    Example:
        >>> plot_connectome("celegans_herm", "/tmp/connectome.png")
        PosixPath('/tmp/connectome.png')
    """
    check_output(out)
    worm = resolve_connectome(connectome)
    positions = node_layout(worm)
    figure = new_figure(width, height)
    axes = figure.subplots()

    pre, post = np.nonzero(worm.mask("chemical") & ~np.eye(worm.num_neurons, dtype=bool))
    counts = worm.adjacency("chemical")[pre, post]
    axes.add_collection(
        LineCollection(
            list(edge_curves(positions, pre, post, bend=0.1)),
            colors=CHEMICAL_COLOUR,
            alpha=0.3,
            linewidths=0.25 + 0.2 * np.log1p(counts),
            zorder=1,
        )
    )
    first, second = np.nonzero(np.triu(worm.mask("electrical"), k=1))
    axes.add_collection(
        LineCollection(
            list(edge_curves(positions, first, second, bend=-0.1)),
            colors=ELECTRICAL_COLOUR,
            alpha=0.55,
            linewidths=0.6,
            linestyles=(0, (3, 2)),
            zorder=2,
        )
    )
    degree = worm.mask("all").sum(axis=0) + worm.mask("all").sum(axis=1)
    colours = [ROLE_COLOURS[r] for r in worm.roles]
    axes.scatter(
        positions[:, 0],
        positions[:, 1],
        s=6 + 1.5 * degree**0.75,
        c=colours,
        edgecolors="white",
        linewidths=0.4,
        zorder=3,
    )

    summary = worm.summary()
    axes.set_yticks(
        [BAND_Y[r] for r in ROLES],
        [f"{ROLE_NAMES[r]}\n({len(worm.role_indices(r))})" for r in ROLES],
    )
    axes.set_xticks([])
    axes.margins(0.01)
    ordered_by = "soma position" if soma_positions(worm) is not None else "index"
    axes.set_xlabel(
        f"neurons in each band ordered by {ordered_by}"
        + (" (anterior \u2192 posterior)" if ordered_by == "soma position" else "")
    )
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_title(
        f"{worm.name}: {summary['neurons']} neurons, {summary['chemical_pairs']} "
        f"chemical pairs, {summary['electrical_pairs']} electrical pairs"
    )
    handles = [
        Line2D(
            [], [], marker="o", linestyle="", color=ROLE_COLOURS[r], label=f"{ROLE_NAMES[r]} neuron"
        )
        for r in ROLES
    ]
    handles += [
        Line2D(
            [],
            [],
            color=CHEMICAL_COLOUR,
            lw=1.2,
            label="chemical synapse (bends left of pre \u2192 post)",
        ),
        Line2D(
            [],
            [],
            color=ELECTRICAL_COLOUR,
            lw=1.2,
            linestyle=(0, (3, 2)),
            label="electrical junction",
        ),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    return save_figure(figure, out, dpi=dpi)


def plot_adjacency(
    connectome: Connectome | str | os.PathLike | None,
    out: str | os.PathLike,
    size: float = 9.0,
    dpi: int = 150,
) -> Path:
    """Draw the adjacency matrix sorted by role, chemical and electrical in their own colours.

    Rows are pre-synaptic and columns post-synaptic neurons, grouped S, I, M
    (inside a group by soma position); each cell is none, chemical only,
    electrical only or both. Each block is labelled with its number of
    chemical pairs.

    Example:
        >>> plot_adjacency("celegans_herm", "/tmp/adjacency.png")
        PosixPath('/tmp/adjacency.png')
    """
    check_output(out)
    worm = resolve_connectome(connectome)
    order = role_order(worm)
    chemical = worm.mask("chemical")[np.ix_(order, order)]
    electrical = worm.mask("electrical")[np.ix_(order, order)]
    category = chemical.astype(int) + 2 * electrical.astype(int)
    colours = ["white", CHEMICAL_COLOUR, ELECTRICAL_COLOUR, "#222222"]

    figure = new_figure(size, size + 0.4)
    axes = figure.subplots()
    axes.imshow(
        category,
        cmap=ListedColormap(colours),
        norm=BoundaryNorm(np.arange(5) - 0.5, 4),
        interpolation="nearest",
    )
    sizes = [len(worm.role_indices(r)) for r in ROLES]
    edges = np.concatenate([[0], np.cumsum(sizes)])
    for boundary in edges[1:-1]:
        axes.axhline(boundary - 0.5, color="black", lw=0.8)
        axes.axvline(boundary - 0.5, color="black", lw=0.8)
    for row, pre_role in enumerate(ROLES):
        for col, post_role in enumerate(ROLES):
            block = chemical[edges[row] : edges[row + 1], edges[col] : edges[col + 1]]
            axes.text(
                edges[col] + 2,
                edges[row] + 2,
                f"{pre_role}\u2192{post_role}: {block.sum()}",
                ha="left",
                va="top",
                fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
            )
    centres = (edges[:-1] + edges[1:]) / 2 - 0.5
    labels = [f"{ROLE_NAMES[r]} ({n})" for r, n in zip(ROLES, sizes)]
    axes.set_xticks(centres, labels)
    axes.set_yticks(centres, [label.replace(" ", "\n") for label in labels])
    axes.tick_params(length=0)
    axes.set_xlabel("post-synaptic neuron")
    axes.set_ylabel("pre-synaptic neuron")
    axes.set_title(f"{worm.name}: adjacency sorted by role ({worm.num_neurons} neurons)")
    counts = [int((category == k).sum()) for k in (1, 2, 3)]
    names = ["chemical only", "electrical only", "chemical and electrical"]
    handles = [
        Patch(facecolor=c, edgecolor="grey", label=f"{name} ({n} cells)")
        for c, name, n in zip(colours[1:], names, counts)
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    return save_figure(figure, out, dpi=dpi)
