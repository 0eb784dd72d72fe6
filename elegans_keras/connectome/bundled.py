"""Connectomes shipped inside the package, and resolution of user specs."""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path

import pandas as pd

from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.tables import connectome_from_tables
from elegans_keras.errors import ConnectomeError

DEFAULT_CONNECTOME = "celegans_herm"

_VARSHNEY = (
    "Varshney, Chen, Paniagua, Hall & Chklovskii (2011), Structural properties of the "
    "Caenorhabditis elegans neuronal network, PLoS Comput Biol 7(2): e1001066"
)
_WITVLIET = (
    "Witvliet et al. (2021), Connectomes across development reveal principles of brain "
    "maturation, Nature 596: 257-261"
)
_WITVLIET_STAGES = ("L1", "L1", "L1", "L1", "L2", "L3", "adult", "adult")

CITATIONS: dict[str, str] = {
    "celegans_herm": (
        "Elegans-AI artificial-connectome source graph (Bardozzo et al. 2024, Neurocomputing "
        "584), taken from ericmjonas/circuitdata celegans_herm; data of " + _VARSHNEY
    ),
    "varshney2011": _VARSHNEY + " (NeuronConnect.xls)",
    "cook2019_herm": (
        "Cook et al. (2019), Whole-animal connectomes of both Caenorhabditis elegans sexes, "
        "Nature 571: 63-71 (hermaphrodite, somatic neurons)"
    ),
    **{
        f"witvliet2021_{k}": f"{_WITVLIET} (dataset {k}, {stage})"
        for k, stage in enumerate(_WITVLIET_STAGES, start=1)
    },
}


def list_connectomes() -> pd.DataFrame:
    """One row per bundled connectome: name, counts and citation.

    Example:
        >>> list_connectomes().loc["celegans_herm", "neurons"]
        279
    """
    rows = []
    for name in CITATIONS:
        summary = load_connectome(name).summary()
        rows.append({k: v for k, v in summary.items() if k != "fingerprint"})
    return pd.DataFrame(rows).set_index("name")


@functools.lru_cache(maxsize=None)
def load_connectome(name: str = DEFAULT_CONNECTOME) -> Connectome:
    """Load a bundled connectome by name (see :func:`list_connectomes`).

    Example:
        >>> load_connectome().summary()["chemical_pairs"]
        2194
    """
    if name not in CITATIONS:
        raise ConnectomeError(
            f"unknown bundled connectome {name!r}; available: {', '.join(CITATIONS)}"
        )
    folder = resources.files("elegans_keras.connectome") / "data"
    read = functools.partial(pd.read_csv, keep_default_na=False, na_values=[""])
    with resources.as_file(folder / f"{name}.neurons.csv") as neurons_path, resources.as_file(
        folder / f"{name}.synapses.csv"
    ) as synapses_path:
        neurons = read(neurons_path, dtype={"name": str, "role": str})
        synapses = read(synapses_path, dtype={"pre": str, "post": str, "type": str})
    return connectome_from_tables(
        neurons, synapses, source=f"bundled connectome {name!r}", name=name,
        citation=CITATIONS[name],
    )


def resolve_connectome(spec: Connectome | str | os.PathLike | None = None) -> Connectome:
    """Turn a user's connectome argument into a :class:`Connectome`.

    Accepts a Connectome, a bundled name, a ``.graphml`` path or a ``.csv``
    edge list path; ``None`` means the default bundled connectome.

    Example:
        >>> resolve_connectome("varshney2011").num_neurons
        279
    """
    from elegans_keras.connectome.edgelist import read_edgelist
    from elegans_keras.connectome.graphml import read_graphml

    if spec is None:
        return load_connectome()
    if isinstance(spec, Connectome):
        return spec
    if isinstance(spec, str) and spec in CITATIONS:
        return load_connectome(spec)
    if not isinstance(spec, (str, os.PathLike)):
        raise ConnectomeError(
            f"cannot resolve connectome {spec!r}: expected a Connectome, a bundled name "
            f"({', '.join(CITATIONS)}) or a .graphml / .csv path, got {type(spec).__name__}"
        )
    path = Path(spec)
    if path.suffix.lower() in (".graphml", ".xml"):
        return read_graphml(path, default_role="I")
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return read_edgelist(path, sep="\t" if path.suffix.lower() == ".tsv" else ",")
    raise ConnectomeError(
        f"cannot resolve connectome {str(spec)!r}: not a bundled name "
        f"({', '.join(CITATIONS)}) nor a .graphml / .csv file"
    )
