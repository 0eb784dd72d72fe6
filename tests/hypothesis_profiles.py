"""hypothesis profiles: ``ci`` (the default, derandomized) and ``explore`` (long, random).

``ci`` replays the same examples on every run and every machine (derandomized,
no example database, no deadline or too-slow health check that would depend on
the machine's load), so a test fails or passes whatever happens to be drawn.
``explore`` draws new random examples, :data:`EXPLORE_FACTOR` times as many per
test, and keeps failures in ``.hypothesis/`` to replay them; every case it finds
becomes an ``@example`` of its test::

    HYPOTHESIS_PROFILE=explore pytest tests/fuzz

Tests quote their example counts for ``ci`` and pass them through :func:`budget`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

EXPLORE_FACTOR = 10
CI_EXAMPLES = 100
UNTIMED = [HealthCheck.too_slow]

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    max_examples=CI_EXAMPLES,
    deadline=None,
    suppress_health_check=UNTIMED,
)
settings.register_profile(
    "explore",
    derandomize=False,
    print_blob=True,
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
    max_examples=CI_EXAMPLES * EXPLORE_FACTOR,
    deadline=None,
    suppress_health_check=UNTIMED,
)


def load_profile() -> str:
    """Load the profile named by ``$HYPOTHESIS_PROFILE`` (``ci`` when unset); its name."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    settings.load_profile(name)
    return name


def budget(examples: int) -> int:
    """A test's example count under the loaded profile (``examples`` is its ``ci`` count).

    >>> budget(40) in (40, 40 * EXPLORE_FACTOR)
    True
    """
    return examples * (settings.default.max_examples // CI_EXAMPLES)
