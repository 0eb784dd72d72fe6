"""Shared fixtures: the raw published data beside the repository, when present."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def raw_connectome_dir() -> Path:
    """The raw connectome files (../shared/data/connectome), or skip."""
    folder = SHARED_DATA / "connectome"
    if not folder.is_dir():
        pytest.skip("raw data folder ../shared/data/connectome is not present")
    return folder
