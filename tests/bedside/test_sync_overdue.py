"""The long-unsynced technical alert (issue 9) as the core words it, and the site policy's sync values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bedside.alert_vocabulary import Priority, TechnicalAlertKind
from bedside.clinical.policy import SitePolicy
from bedside.sync.status import SyncStatus, not_yet, sync_overdue
from tests.support.ward_fixtures import START

POLICY = SitePolicy(sync_stale_alert_min=30)


def _synced_at(minutes_ago: float, *, waiting: int = 0) -> SyncStatus:
    now = START
    return SyncStatus(
        "sqlite:///hub.db",
        now,
        False,
        "the hub ...",
        now - timedelta(minutes=minutes_ago),
        waiting,
        0,
    )


@pytest.mark.parametrize(
    ("last_sync_min_ago", "raised"),
    [(30 - 1 / 60, False), (30, True), (30 + 1 / 60, True)],
)
def test_raised_at_the_policy_minutes_after_the_last_successful_sync(
    last_sync_min_ago: float, raised: bool
) -> None:
    status = _synced_at(last_sync_min_ago, waiting=4)
    alert = sync_overdue(status, started_at=START, now=START, policy=POLICY)
    assert (alert is not None) is raised
    if alert is not None:
        assert alert.kind is TechnicalAlertKind.SYNC_OVERDUE
        assert alert.priority is Priority.MEDIUM  # shown, never sounded (bedside.audible)
        assert alert.since == status.last_sync_at + timedelta(minutes=30)  # type: ignore[operator]
        assert "4 records waiting" in alert.detail


def test_never_synced_counts_from_the_start_of_syncing() -> None:
    status = not_yet("sqlite:///hub.db")
    assert (
        sync_overdue(status, started_at=START, now=START + timedelta(minutes=29), policy=POLICY)
        is None
    )
    alert = sync_overdue(status, started_at=START, now=START + timedelta(minutes=30), policy=POLICY)
    assert alert is not None and "last never" in alert.detail


def test_a_last_sync_older_than_the_start_is_overdue_at_once() -> None:
    """A machine restarted days after its last sync is already overdue: the start does not reset it."""
    status = _synced_at(2 * 24 * 60)
    assert sync_overdue(status, started_at=START, now=START, policy=POLICY) is not None


def test_all_synced_only_after_a_successful_attempt_with_nothing_waiting() -> None:
    ok = SyncStatus("u", START, True, None, START, 0, 0)
    assert ok.all_synced
    assert not SyncStatus("u", START, True, None, START, 1, 0).all_synced
    assert not SyncStatus("u", START, False, "gone", START, 0, 0).all_synced
    assert not SyncStatus("u", START, True, None, START, None, 0).all_synced
    assert not not_yet("u").all_synced


@pytest.mark.parametrize("name", ["sync_interval_s", "sync_stale_alert_min"])
@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), True, "60"])
def test_the_policy_refuses_a_sync_value_that_is_not_a_positive_number(
    name: str, value: object
) -> None:
    with pytest.raises(ValueError, match=f"{name}: .* must be a number of"):
        SitePolicy(**{name: value})  # type: ignore[arg-type]


def test_the_policy_defaults() -> None:
    assert SitePolicy().sync_interval_s == 60.0
    assert SitePolicy().sync_stale_alert_min == 30.0
