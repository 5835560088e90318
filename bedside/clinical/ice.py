"""The ICE score from its items (SPEC section 6): 10 points, each item all-or-none per sub-point."""

from __future__ import annotations

from dataclasses import dataclass

# SPEC 6: item -> maximum points.
ICE_ITEMS = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}


@dataclass(frozen=True, slots=True)
class IceItems:
    orientation: int  # year, month, city, hospital: 1 each
    naming: int  # three objects: 1 each
    commands: int  # follows simple commands
    writing: int  # writes a standard sentence
    attention: int  # counts backwards from 100 by 10

    def problems(self) -> list[tuple[str, str]]:
        """(item, allowed range) for every item outside its range or not a whole number."""
        found = []
        for name, top in ICE_ITEMS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                found.append((name, f"a whole number 0–{top}"))
        return found

    @property
    def total(self) -> int:
        if self.problems():
            raise ValueError(f"ICE items out of range: {self.problems()}")
        return self.orientation + self.naming + self.commands + self.writing + self.attention
