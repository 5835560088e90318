"""Site policy: every clinical setting a site may change without a code change, with its default.

Each default is a product decision of SPEC.md (D1-D18) or a schedule default of SPEC section 11. The rule version
and the policy are recorded on every assessment, so that the chart shows what the ward saw at the time.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
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
        return _fingerprint(self)


@cache
def _fingerprint(policy: SitePolicy) -> str:
    # Every save stores it; a policy is frozen, so its digest is computed once.
    text = json.dumps(policy.as_dict(), sort_keys=True)
    return sha256(text.encode()).hexdigest()[:12]


DEFAULT_POLICY = SitePolicy()


# --- the settings a policy_set record may change, and what each accepts (issues 9 and 10) -------------

# Where SPEC gives no range for a setting, only its type and that it is more than 0 are checked, with one
# horizon: nothing Bedside counts spans more than the trial's follow-up of one year (SPEC 11, "Trial
# follow-up 1 year"), which also keeps the arithmetic of times in range.
_YEAR_H = 365 * 24
_YEAR_MIN = _YEAR_H * 60


@dataclass(frozen=True, slots=True)
class SettingRange:
    """What one setting accepts: a whole number or a number from `lo` (or more than `lo`) to `hi`,
    in `unit`; `source` says where the range comes from."""

    lo: float
    hi: float
    unit: str
    source: str
    lo_open: bool = False


def _positive(hi: float, unit: str, source: str) -> SettingRange:
    return SettingRange(0, hi, unit, source, lo_open=True)


_SILENT = "SPEC sets no range; at most the 1-year follow-up of SPEC 11"
_HOURS = _positive(_YEAR_H, "hours", _SILENT)
_MINUTES = _positive(_YEAR_MIN, "minutes", _SILENT)
_NEWS2 = SettingRange(1, 20, "points", "SPEC 9: NEWS2 scores 0–20")

SETTING_RANGES: dict[str, SettingRange] = {
    "capd_min_rise_from_baseline": SettingRange(
        1, 32, "points", "SPEC 7: CAPD scores 0–32; D1 leaves the number to the site"
    ),
    "lymphodepletion_days": SettingRange(1, 365, "days", f"D27; {_SILENT}"),
    "vitals_fresh_hours": _HOURS,
    "neuro_fresh_hours": _HOURS,
    "vitals_interval_lymphodepletion_h": _HOURS,
    "vitals_interval_days_0_14_h": _HOURS,
    "vitals_interval_active_h": SettingRange(
        1, 2, "hours", "SPEC 11: every 1–2 h while CRS or ICANS is active"
    ),
    "vitals_interval_escalated_h": _HOURS,
    "vitals_interval_days_15_28_h": _HOURS,
    "neuro_interval_days_0_14_h": _HOURS,
    "neuro_interval_icans_active_h": SettingRange(
        4, 8, "hours", "SPEC 11: every 4–8 h while ICANS >= 1"
    ),
    "neuro_interval_days_15_28_h": _HOURS,
    "pews_escalation_threshold": SettingRange(1, 26, "points", "SPEC 10: Bedside PEWS scores 0–26"),
    "news2_urgent_threshold": _NEWS2,
    "news2_emergency_threshold": _NEWS2,
    "escalate_high_after_min": _MINUTES,
    "escalate_medium_after_min": _MINUTES,
    "escalate_low_after_min": _MINUTES,
    "attribution_max_hours": _positive(24, "hours", "D19: an explicit until of at most 24 h"),
    "waiver_review_hours": _HOURS,
    "after_pressor_stop_min": _MINUTES,
    "idle_lock_min": _MINUTES,
    # bedside.backup.check_policy reads these two (an administrative choice of Bedside's).
    "backup_interval_min": SettingRange(1, 24 * 60, "minutes", "Bedside's range for backups"),
    "backup_keep": SettingRange(1, 1000, "backups", "Bedside's range for backups"),
    "sync_interval_s": _positive(24 * 3600, "seconds", "Bedside's range for the app's sync"),
    "lockout_failures": SettingRange(1, 100, "failed sign-ins", "Bedside's range for the lockout"),
    "sync_stale_alert_min": _MINUTES,
}


@cache
def setting_names() -> tuple[str, ...]:
    """Every setting of the site policy, in the order SitePolicy declares them."""
    return tuple(f.name for f in dataclasses.fields(SitePolicy))


@cache
def _declared(name: str) -> tuple[type, bool]:
    """(int, float or str; whether None is allowed) of a setting, from its declaration."""
    declared = str(next(f.type for f in dataclasses.fields(SitePolicy) if f.name == name))
    base = int if "int" in declared else float if "float" in declared else str
    return base, "None" in declared


def setting_allowed(name: str) -> str:
    """What `name` accepts, in words (the `allowed` of its error)."""
    base, optional = _declared(name)
    none = ", or none" if optional else ""
    if name == "site_timezone":
        return f"an IANA time zone name this machine knows (e.g. Europe/Zurich){none}"
    rng = SETTING_RANGES.get(name)
    what = "a whole number" if base is int else "a number"
    if rng is None:
        return what + none
    lo, hi = f"{rng.lo:g}", f"{rng.hi:g}"
    span = f"more than {lo}, up to {hi}" if rng.lo_open else f"from {lo} to {hi}"
    return f"{what} of {rng.unit} {span}{none} ({rng.source})"


def setting_problem(name: str, value: object) -> str | None:
    """Why `value` cannot be the setting `name` (a sentence naming both and what is allowed), or
    None. An unknown name lists the settings there are."""
    names = setting_names()
    if name not in names:
        return f"{name}: no such setting; the settings are: {', '.join(names)}"
    base, optional = _declared(name)
    if value is None:
        return None if optional else f"{name}: required; must be {setting_allowed(name)}"
    wrong = f"{name}: {value!r} must be {setting_allowed(name)}"
    if base is str:
        if not isinstance(value, str) or not _known_zone(value):
            return wrong
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return wrong
    if base is int and not isinstance(value, int):
        return wrong
    if not math.isfinite(value):
        return wrong
    rng = SETTING_RANGES.get(name)
    if rng is not None:
        above = value > rng.lo if rng.lo_open else value >= rng.lo
        if not (above and value <= rng.hi):
            return wrong
    return None


def policy_problems(policy: SitePolicy) -> list[tuple[str, str]]:
    """(setting, sentence) for each setting of `policy` it may not hold, and for the settings that
    contradict each other (see `_contradictions`)."""
    found = [
        (name, problem)
        for name in setting_names()
        if (problem := setting_problem(name, getattr(policy, name))) is not None
    ]
    return found or _contradictions(policy)


def _contradictions(policy: SitePolicy) -> list[tuple[str, str]]:
    """The NEWS2 urgent threshold lies below the emergency one (SPEC 9)."""
    urgent, emergency = policy.news2_urgent_threshold, policy.news2_emergency_threshold
    if urgent < emergency:
        return []
    return [
        (
            "news2_urgent_threshold",
            f"news2_urgent_threshold: {urgent!r} must be below news2_emergency_threshold "
            f"({emergency!r}) (SPEC 9: urgent 5–6, emergency 7 or more)",
        )
    ]


def with_settings(policy: SitePolicy, settings: dict[str, Any]) -> SitePolicy:
    """`policy` with `settings` (name -> value) changed; a ValueError names the first setting that
    cannot be so (its allowed values, or the unknown name and the settings there are)."""
    for name, value in settings.items():
        problem = setting_problem(name, value)
        if problem is not None:
            raise ValueError(problem)
    # A whole number given for a number of hours is that number: 6 and 6.0 make one digest.
    values: dict[str, Any] = {
        name: float(v) if _declared(name)[0] is float and v is not None else v
        for name, v in settings.items()
    }
    changed = dataclasses.replace(policy, **values)
    problems = _contradictions(changed)
    if problems:
        raise ValueError(problems[0][1])
    return changed


@cache
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True
