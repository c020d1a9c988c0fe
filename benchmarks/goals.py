"""How every benchmark states a measured figure next to its goal, so `make bench` can tabulate them.

Each script prints its rows as it measures them (a readable line, then a ``ROW`` line with the same
figures as JSON, which ``run_all.py`` collects) and exits non-zero when a goal is missed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

__all__ = ["Row", "emit", "parse_row"]

_PREFIX = "ROW "


@dataclass(frozen=True)
class Row:
    """One figure against its goal: ``figure <= goal`` unless ``at_least``."""

    name: str
    figure: float
    goal: float
    unit: str = ""
    at_least: bool = False

    @property
    def met(self) -> bool:
        return self.figure >= self.goal if self.at_least else self.figure <= self.goal

    def describe(self) -> str:
        sign = ">=" if self.at_least else "<="
        return (
            f"{self.name:<46} {self.figure:>9.3g}{self.unit:<3} goal {sign} {self.goal:g}{self.unit}"
            f"  {'PASS' if self.met else 'MISS'}"
        )


def emit(row: Row) -> bool:
    """Print ``row`` for a reader and for ``run_all.py``; return whether its goal is met."""
    print(row.describe())
    print(_PREFIX + json.dumps(asdict(row)), flush=True)
    return row.met


def parse_row(line: str) -> Row | None:
    """The row a ``ROW`` line carries, or None for any other line."""
    if not line.startswith(_PREFIX):
        return None
    return Row(**json.loads(line[len(_PREFIX):]))
