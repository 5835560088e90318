"""Calendar arithmetic of the rules: age by completed years and day numbering, in the site's time zone."""

from __future__ import annotations

from datetime import date, datetime, tzinfo


def age_years(born: date, at: datetime, zone: tzinfo | None = None) -> float:
    """Decimal age whose integer part is exactly the completed years by the calendar (D5, D12).

    A birthday begins at midnight where the ward is: `at` is read in the site's time zone (`zone`;
    None = this machine's), so that the tool check and the grade agree on the day a child turns 12."""
    day = at.astimezone(zone).date()
    years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    last = _birthday(born, born.year + years)
    nxt = _birthday(born, born.year + years + 1)
    return years + (day - last).days / (nxt - last).days


def day_post_infusion(infusion_at: datetime, at: datetime, zone: tzinfo | None = None) -> int:
    """D27: day 0 is the calendar day of the infusion in the site's time zone; day +N is N calendar
    days later (negative before it). Whether a finding is before the infusion is decided by the
    instant, not by this number."""
    return (at.astimezone(zone).date() - infusion_at.astimezone(zone).date()).days


def _birthday(born: date, year: int) -> date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)
