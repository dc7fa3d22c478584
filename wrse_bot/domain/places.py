"""Kecamatan and desa/kelurahan of Kota Batu, with Kemendagri codes.

The reference list ships as ``wrse_bot/data/kota_batu_wilayah.csv`` (columns
code,name,level,parent_code): 3 kecamatan and their 24 desa/kelurahan.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "kota_batu_wilayah.csv"

KECAMATAN = "kecamatan"
DESA = "desa"
KELURAHAN = "kelurahan"
_VILLAGE_LEVELS = frozenset({DESA, KELURAHAN})


@dataclass(frozen=True)
class Place:
    code: str  # Kemendagri code, dotted: "35.79.03.2003"
    name: str
    level: str  # kota | kecamatan | desa | kelurahan
    parent_code: str


class Places:
    """A read-only lookup over the reference list."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._by_code: dict[str, Place] = {}
        for place in places:
            if place.code in self._by_code:
                raise ValueError(f"duplicate place code {place.code}")
            self._by_code[place.code] = place

    def kecamatan(self) -> list[Place]:
        """Kecamatan sorted by code, which is also the order the office uses."""
        return sorted(
            (p for p in self._by_code.values() if p.level == KECAMATAN), key=lambda p: p.code
        )

    def villages(self, kecamatan_code: str) -> list[Place]:
        """Desa and kelurahan of one kecamatan, sorted by name for easy finding on buttons."""
        if self.get(kecamatan_code).level != KECAMATAN:
            raise KeyError(kecamatan_code)
        return sorted(
            (
                p
                for p in self._by_code.values()
                if p.parent_code == kecamatan_code and p.level in _VILLAGE_LEVELS
            ),
            key=lambda p: (p.name.casefold(), p.code),
        )

    def get(self, code: str) -> Place:
        """The place with this code; ``KeyError`` if unknown."""
        return self._by_code[code]

    def name(self, code: str | None, default: str = "-") -> str:
        """The name of the place with this code, or ``default`` if none or unknown."""
        return self._by_code[code].name if code in self._by_code else default

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)


@cache
def load_places(path: Path = DEFAULT_PATH) -> Places:
    """Read the places CSV (each file once: the bundled default is shared)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Places(
        Place(
            code=row["code"].strip(),
            name=row["name"].strip(),
            level=row["level"].strip(),
            parent_code=row["parent_code"].strip(),
        )
        for row in rows
    )
