"""The CAPD total from its 8 items (SPEC section 7). Items are shown by short labels only (D16)."""

from __future__ import annotations

from dataclasses import dataclass

# SPEC 7: items 1-4 are scored in reverse (Never = 4 ... Always = 0), items 5-8 directly (Never = 0).
CAPD_ITEMS = (
    "eye_contact",
    "purposeful_actions",
    "aware_of_surroundings",
    "communicates_needs",
    "restless",
    "inconsolable",
    "underactive",
    "slow_to_respond",
)
CAPD_ITEM_MAX = 4


def item_points(item_index: int, frequency: int) -> int:
    """Points of one item from the nurse's answer (0 = Never ... 4 = Always)."""
    if not 0 <= frequency <= CAPD_ITEM_MAX:
        raise ValueError(f"CAPD answer must be 0–{CAPD_ITEM_MAX}, got {frequency}")
    return CAPD_ITEM_MAX - frequency if item_index < 4 else frequency


@dataclass(frozen=True, slots=True)
class CapdItems:
    """The points of each of the 8 items (already scored, 0-4 each)."""

    points: tuple[int, ...]

    def problems(self) -> list[tuple[str, str]]:
        if len(self.points) != len(CAPD_ITEMS):
            return [("capd_items", f"exactly {len(CAPD_ITEMS)} items")]
        return [
            (CAPD_ITEMS[i], f"a whole number 0–{CAPD_ITEM_MAX}")
            for i, p in enumerate(self.points)
            if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= CAPD_ITEM_MAX
        ]

    @property
    def total(self) -> int:
        if self.problems():
            raise ValueError(f"CAPD items out of range: {self.problems()}")
        return sum(self.points)
