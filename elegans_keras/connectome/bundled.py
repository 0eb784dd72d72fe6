"""Connectomes shipped inside the package, and resolution of user specs."""

from __future__ import annotations

import functools
import warnings
from importlib import resources

import pandas as pd

from elegans_keras.connectome.core import Connectome
from elegans_keras.connectome.tables import connectome_from_tables
from elegans_keras.errors import ConnectomeError, DataDefectWarning

DEFAULT_CONNECTOME = "celegans_herm"
PAPER_CONNECTOME = "elegans_ai_paper"

_VARSHNEY = (
    "Varshney, Chen, Paniagua, Hall & Chklovskii (2011), Structural properties of the "
    "Caenorhabditis elegans neuronal network, PLoS Comput Biol 7(2): e1001066"
)
_WITVLIET = (
    "Witvliet et al. (2021), Connectomes across development reveal principles of brain "
    "maturation, Nature 596: 257-261"
)
_WITVLIET_STAGES = ("L1", "L1", "L1", "L1", "L2", "L3", "adult", "adult")
_ELEGANS_AI = (
    "Bardozzo, Terlizzi, Simoncini, Lio & Tagliaferri (2024), Elegans-AI, Neurocomputing 584"
)

CITATIONS: dict[str, str] = {
    "celegans_herm": (
        f"Wiring of {_VARSHNEY} (NeuronConnect.xls: chemical S/Sp rows summed per pair, gap "
        "junctions from EJ rows); roles, cell classes, soma positions and transmitters of the "
        "circuitdata celegans_herm table (ericmjonas/circuitdata, used by the Elegans-AI "
        "release), attached by neuron name"
    ),
    "elegans_ai_paper": (
        f"The Elegans-AI GraphML exactly as published ({_ELEGANS_AI}; from ericmjonas/circuitdata "
        "celegans_herm). DEFECTIVE: the wiring of the 172 neurons from DD06 to VD13 is shifted by "
        "one name, and only the first S/Sp row of each chemical pair is counted (5,043 of 6,394 "
        "synapses). Kept to reproduce the paper; use celegans_herm"
    ),
    "varshney2011": _VARSHNEY + " (NeuronConnect.xls; roles from the WormAtlas tables)",
    "cook2019_herm": (
        "Cook et al. (2019), Whole-animal connectomes of both Caenorhabditis elegans sexes, "
        "Nature 571: 63-71 (hermaphrodite, somatic neurons; SI 5 adjacency matrices, corrected "
        "July 2020)"
    ),
    **{
        f"witvliet2021_{k}": f"{_WITVLIET} (dataset {k}, {stage})"
        for k, stage in enumerate(_WITVLIET_STAGES, start=1)
    },
    "drosophila_larva": (
        "Winding et al. (2023), The connectome of an insect brain, Science 379: eadd9330; the "
        "subset of 1,240 bilaterally paired neurons of the neurodata/bgm repository (MIT); "
        "roles from the io annotation (input S, inter I, output M)"
    ),
}
DEFECTS = {
    PAPER_CONNECTOME: (
        "the Elegans-AI GraphML is defective: the wiring of the 172 neurons from DD06 to VD13 is "
        "shifted by one name (26 neurons carry the wiring of another role) and 1,351 of the "
        "6,394 chemical synapses are missing; it is kept to reproduce the paper. Use the "
        "corrected default 'celegans_herm'"
    ),
}


def list_connectomes() -> pd.DataFrame:
    """One row per bundled connectome: name, counts and citation.

    Example:
        >>> int(list_connectomes().loc["celegans_herm", "neurons"])
        279
    """
    rows = []
    for name in CITATIONS:
        summary = _load(name).summary()
        rows.append({k: v for k, v in summary.items() if k != "fingerprint"})
    return pd.DataFrame(rows).set_index("name")


def load_connectome(name: str = DEFAULT_CONNECTOME) -> Connectome:
    """Load a bundled connectome by name (see :func:`list_connectomes`).

    Loading a graph known to be defective (``elegans_ai_paper``) emits a
    :class:`~elegans_keras.errors.DataDefectWarning`.

    Example:
        >>> load_connectome().summary()["chemical_synapses"]
        6394
    """
    if not isinstance(name, str) or name not in CITATIONS:
        raise ConnectomeError(
            f"unknown bundled connectome {name!r}; available: {', '.join(CITATIONS)}"
        )
    if name in DEFECTS:
        warnings.warn(f"{name}: {DEFECTS[name]}", DataDefectWarning, stacklevel=2)
    return _load(name)


@functools.cache
def _load(name: str) -> Connectome:
    folder = resources.files("elegans_keras.connectome") / "data"
    read = functools.partial(pd.read_csv, keep_default_na=False, na_values=[""])
    with (
        resources.as_file(folder / f"{name}.neurons.csv") as neurons_path,
        resources.as_file(folder / f"{name}.synapses.csv") as synapses_path,
    ):
        neurons = read(neurons_path, dtype={"name": str, "role": str})
        synapses = read(synapses_path, dtype={"pre": str, "post": str, "type": str})
    return connectome_from_tables(
        neurons,
        synapses,
        source=f"bundled connectome {name!r}",
        name=name,
        citation=CITATIONS[name],
    )
