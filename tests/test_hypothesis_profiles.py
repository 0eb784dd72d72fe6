"""The suite's hypothesis tests are deterministic: the ``ci`` profile replays fixed examples.

Issue 25, item 3: a fuzz test found a reader defect on one run and not on the
next. Under ``ci`` (the default, ``tests/hypothesis_profiles.py``) every
property test draws the same examples on every run; no test's own
``settings(...)`` may bring the randomness back.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

PROPERTY_MODULES = (
    *sorted(f"fuzz.{path.stem}" for path in (Path(__file__).parent / "fuzz").glob("test_*.py")),
    "test_metrics",
    "test_nullmodels",
)
PROFILE = settings.get_current_profile_name()
ci_only = pytest.mark.skipif(PROFILE == "explore", reason="the explore profile is random")


def property_tests() -> list:
    """Every hypothesis test of :data:`PROPERTY_MODULES`, as pytest parameters."""
    tests = []
    for name in PROPERTY_MODULES:
        module = importlib.import_module(name)
        tests += [
            pytest.param(value, id=f"{name}::{key}")
            for key, value in vars(module).items()
            if key.startswith("test_") and hasattr(value, "hypothesis")
        ]
    return tests


def drawn_examples() -> list:
    """Every example one small property test draws (run afresh)."""
    seen = []

    @given(st.lists(st.integers(), max_size=5), st.text(max_size=4))
    def record(numbers, text):
        seen.append((numbers, text))

    record()
    return seen


@ci_only
def test_profile_ci_is_the_default_and_derandomized():
    assert PROFILE == "ci"
    assert settings.default.derandomize
    assert settings.default.database is None
    assert settings.default.deadline is None


@ci_only
def test_two_runs_draw_the_same_examples():
    first = drawn_examples()
    assert len(first) > 10
    assert drawn_examples() == first


@ci_only
@pytest.mark.parametrize("test", property_tests())
def test_property_test_settings_keep_the_profile(test):
    """A test's own settings (example counts, health checks) keep derandomize and no database."""
    chosen = test._hypothesis_internal_use_settings
    assert chosen.derandomize
    assert chosen.database is None
    assert chosen.deadline is None
