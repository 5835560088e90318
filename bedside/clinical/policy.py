"""Site policy: every clinical setting a site may change without a code change, with its default.

Each default is a product decision of SPEC.md (D1-D18) or a schedule default of SPEC section 11. The rule version
and the policy are recorded on every assessment, so that the chart shows what the ward saw at the time.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import tzinfo
from hashlib import sha256
from typing import Any
from zoneinfo import ZoneInfo

# Bump when any rule in bedside/clinical changes the result for some input.
RULE_VERSION = "bedside-rules-1.1 (ASTCT 2019, NEWS2 2017, Bedside PEWS 2009; D19-D27)"


@dataclass(frozen=True, slots=True)
class SitePolicy:
    """Site-policy settings (SPEC "Product decisions"). Hours are clinical time."""

    # The ward's time zone (IANA name), where birthdays and days begin; None = this machine's zone.
    site_timezone: str | None = None
    # D1: CAPD 1-8 counts literally. A site may require a rise of at least this many points above the
    # pre-infusion baseline before a CAPD 1-8 counts; SPEC leaves the number to the site, so there is no default.
    capd_min_rise_from_baseline: int | None = None
    # D27: records are accepted from lymphodepletion start, this many calendar days before the day of
    # infusion (day -14).
    lymphodepletion_days: int = 14
    # D17: how long a value counts after it was observed.
    vitals_fresh_hours: float = 6.0
    neuro_fresh_hours: float = 12.0
    # D15 / SPEC 11: monitoring schedule defaults (hours between checks).
    vitals_interval_lymphodepletion_h: float = 8.0
    vitals_interval_days_0_14_h: float = 4.0
    vitals_interval_active_h: float = 2.0  # SPEC 11: "every 1-2 h" while CRS or ICANS >= 1
    vitals_interval_escalated_h: float = 1.0  # SPEC 11: NEWS2 red score or >= 5, PEWS >= threshold
    vitals_interval_days_15_28_h: float = 24.0
    neuro_interval_days_0_14_h: float = 8.0
    neuro_interval_icans_active_h: float = (
        4.0  # SPEC 11: "every 4-8 h while ICANS >= 1"; the stricter end
    )
    neuro_interval_days_15_28_h: float = 24.0
    # SPEC 10: the derivation paper's escalation threshold.
    pews_escalation_threshold: int = 8
    # SPEC 9, RCP Chart 4.
    news2_urgent_threshold: int = 5
    news2_emergency_threshold: int = 7
    # Alerts: minutes before an unacknowledged alert is escalated, by priority (a site setting; SPEC is silent).
    escalate_high_after_min: float = 5.0
    escalate_medium_after_min: float = 15.0
    escalate_low_after_min: float = 60.0
    # D19: the longest explicit "until" a physician may give an attribution.
    attribution_max_hours: float = 24.0
    # D23: afebrile this long on the fever waiver asks a physician to review the episode.
    waiver_review_hours: float = 72.0
    # D26: a vitals check is due this soon after a vasopressor or inotrope is stopped.
    after_pressor_stop_min: float = 15.0
    # Issue 10: the ward machine locks after this many minutes without keyboard, mouse or touch input
    # (measured on the monotonic clock). An administrative setting, not a clinical one; 5 is the issue's
    # default.
    idle_lock_min: float = 5.0

    # Issue 10: automatic backups of the ward file (bedside/backup.py), administrative settings, not
    # clinical ones (SPEC is silent; Bedside's defaults): one every this many minutes, and this many
    # verified backups kept, the oldest replaced by each new one (hourly for a day).
    backup_interval_min: float = 60.0
    backup_keep: int = 24

    # Issue 10 (BATTERY R15): a user is locked out after this many failed sign-ins in a row, until an
    # admin resets their PIN. An administrative setting (the default), not a clinical one.
    lockout_failures: int = 5

    # Issue 9: the app's background sync with its hub (administrative settings, not clinical ones; SPEC
    # is silent, these are Bedside's defaults): one attempt every this many seconds, and a technical alert
    # once this machine has gone this many minutes without a successful sync (another machine's records
    # may be missing here, and this machine's from the others).
    sync_interval_s: float = 60.0
    sync_stale_alert_min: float = 30.0

    def __post_init__(self) -> None:
        if (
            not isinstance(self.lockout_failures, int)
            or isinstance(self.lockout_failures, bool)
            or not 1 <= self.lockout_failures <= 100
        ):
            raise ValueError(
                f"lockout_failures: {self.lockout_failures!r} must be a whole number of failed "
                "sign-ins from 1 to 100"
            )
        for name, unit in (("sync_interval_s", "seconds"), ("sync_stale_alert_min", "minutes")):
            value = getattr(self, name)
            if not (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and 0 < value < float("inf")
            ):
                raise ValueError(f"{name}: {value!r} must be a number of {unit} more than 0")
        if not (
            isinstance(self.idle_lock_min, int | float) and 0 < self.idle_lock_min < float("inf")
        ):
            raise ValueError(
                f"idle_lock_min: {self.idle_lock_min!r} must be a number of minutes more than 0"
            )

    @property
    def zone(self) -> tzinfo | None:
        return ZoneInfo(self.site_timezone) if self.site_timezone else None

    def neuro_interval_h(self, day: int | None, icans_active: bool) -> float | None:
        """SPEC 11 (D15): hours allowed between neuro checks; None where the ward keeps no schedule."""
        if icans_active:
            return self.neuro_interval_icans_active_h
        if day is None or day < 0:
            return None
        if day <= 14:
            return self.neuro_interval_days_0_14_h
        if day <= 28:
            return self.neuro_interval_days_15_28_h
        return None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def fingerprint(self) -> str:
        """A short stable digest of every setting, stored beside the rule version."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return sha256(text.encode()).hexdigest()[:12]


DEFAULT_POLICY = SitePolicy()
