"""Shared fixtures: the default connectome, and the raw published data beside the repository.

It also selects the hypothesis profile (``tests/hypothesis_profiles.py``): ``ci``, derandomized,
unless ``$HYPOTHESIS_PROFILE`` (or pytest's ``--hypothesis-profile``) names another.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis_profiles import load_profile

import elegans_keras as ek
from elegans_keras.connectome import Connectome

load_profile()

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def worm() -> Connectome:
    """The default connectome (celegans_herm, 279 neurons)."""
    return ek.load_connectome()


@pytest.fixture(scope="session")
def raw_connectome_dir() -> Path:
    """The raw connectome files (../shared/data/connectome), or skip."""
    folder = SHARED_DATA / "connectome"
    if not folder.is_dir():
        pytest.skip("raw data folder ../shared/data/connectome is not present")
    return folder
