"""Writing records into a ward file at an older schema, as the Bedside of that schema did."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from bedside.store import hours


@contextmanager
def before_the_hourly_roll_up() -> Iterator[None]:
    """Today's Log writes the trend roll-up (migration 9, `chart_hours`) with each vitals set and
    assessment; a file at an older schema has no such table, and the Bedside that wrote it did not
    write one. Inside this block the log writes none (migration 9 then fills it from the projections)."""
    with mock.patch.object(hours, "refresh_touched", lambda conn, touched: None):
        yield
