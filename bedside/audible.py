"""Which alerts the ward machine sounds (issue 8): the rule, apart from any sound device.

An alert sounds while it is high priority and still waits for acknowledgement; a downgrade never sounds (it
asks for acknowledgement in the list and the banner, D10, D20), whatever its priority.
"""

from __future__ import annotations

from collections.abc import Iterable

from bedside.alert_vocabulary import AlertStatus, Priority
from bedside.alerts import DOWNGRADE_KINDS, Alert


def audible(alert: Alert) -> bool:
    return (
        alert.priority is Priority.HIGH
        and alert.status is AlertStatus.ACTIVE
        and alert.kind not in DOWNGRADE_KINDS
    )


def sounding(alerts: Iterable[Alert]) -> list[Alert]:
    """The audible alerts among `alerts`, in the order given."""
    return [a for a in alerts if audible(a)]
