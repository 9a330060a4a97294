"""A synthetic plan file (示例数据, never real figures) of any size, for benchmarks and tests:
`planwatch synth_plan --localities N --indicators M --years Y` (docs/plan-file.md, "A synthetic plan").

The pilot units are real county-level divisions of the national table (planwatch.core.divisions),
spread evenly over the whole country in code order, each under its real city, which is listed as an
area that does not report: three levels, the region (the country) → cities → counties; with
`provinces`, four: each city listed under its province (a municipality's districts under the
municipality itself, which is their city). The
indicators are a fixed cycle of ten kinds (counts, levels, a share recomputed from two levels and a
share without components, growth rates recomputed from a level, a cumulative sum of yearly figures)
over four dimensions. The region has a target for the last year for every indicator that can have
one, and a share of the units have their own; every target quotes a sentence of the generated source
text that holds its figure, so the loader's checks pass. The same arguments give the same file.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from planwatch.core.divisions import Division, Divisions
from planwatch.core.errors import PlanWatchError
from planwatch.core.planfile import FORMAT, dump_yaml

LABEL = "示例数据"
DIMENSIONS = (
    ("scale", "规模总量", "Scale"),
    ("structure", "结构优化", "Structure"),
    ("growth", "增长动力", "Growth"),
    ("investment", "投资建设", "Investment"),
)


class SynthError(PlanWatchError):
    """The size asked for cannot be made (more units than the table has, too few years)."""


@dataclass(frozen=True)
class Slot:
    """One kind of the cycle of ten: how to write an indicator of it, given the codes of the cycle's
    earlier indicators (its components)."""

    kind: str
    unit: str
    zh: str
    en: str
    aggregation: str
    components: dict[str, int]  # role → position in the cycle
    has_targets: bool = True
    region_target: bool = True
    base: bool = False


CYCLE = (
    Slot("cumulative_count", "个", "新培育示范项目", "New demonstration projects", "sum", {}),
    Slot("level", "亿元", "产业增加值", "Industrial value added", "sum", {}),
    Slot(
        "avg_annual_growth",
        "%",
        "产业增加值年均增长率",
        "Value added, average annual growth",
        "recompute",
        {"level": 1},
        base=True,
    ),
    Slot("level", "万人", "从业人员", "Persons employed", "sum", {}),
    Slot("level", "万人", "技能人才", "Skilled workers", "sum", {}, has_targets=False),
    Slot(
        "share",
        "%",
        "技能人才占从业人员比重",
        "Skilled workers' share of employment",
        "recompute",
        {"numerator": 4, "denominator": 3},
    ),
    Slot(
        "share", "%", "政务服务事项网上办理比例", "Services handled online", "none", {}, region_target=False
    ),
    Slot(
        "growth_over_base",
        "%",
        "从业人员比基期增长率",
        "Employment growth over the base year",
        "recompute",
        {"level": 3},
        base=True,
    ),
    Slot("level", "亿元", "年度完成投资", "Investment in the year", "sum", {}),
    Slot("cumulative_sum", "亿元", "累计完成投资", "Investment since the start", "sum", {"yearly": 8}),
)


@dataclass(frozen=True)
class SynthSize:
    localities: int
    indicators: int
    years: int
    seed: int = 0
    base_year: int = 2020
    unit_share: float = 0.05  # the share of pilot units with targets of their own
    provinces: bool = False  # a province level above the cities

    @property
    def code(self) -> str:
        levels = "-p" if self.provinces else ""
        return f"synth-{self.localities}x{self.indicators}x{self.years}-s{self.seed}{levels}"


def counties(table: Divisions, n: int) -> list[Division]:
    """n county-level divisions of the whole country, evenly spread over the table in code order.
    Left out: the 市辖区 placeholders and the statistical codes of development zones (70–79)."""
    every = sorted(
        (
            d
            for d in table
            if d.level in ("county", "district") and d.name != "市辖区" and not 70 <= int(d.code[4:]) < 80
        ),
        key=lambda d: d.code,
    )
    if not 1 <= n <= len(every):
        raise SynthError(
            f"单位数应在 1 到 {len(every)} 之间", f"the number of units must be from 1 to {len(every)}"
        )
    return [every[i * len(every) // n] for i in range(n)]


def area_code(table: Divisions, county: Division) -> str:
    """The area a county is listed under: its city, or for a municipality's districts (北京市's, whose
    city code the table does not have) the municipality itself."""
    city = county.city_code
    return city if city and table.get(city) else county.province_code


def _figure(value: float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _yaml_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _text(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


class _Writer:
    """The plan's sections and its source text, written side by side so every quote is in the text."""

    def __init__(self, size: SynthSize, table: Divisions) -> None:
        self.size = size
        self.rng = random.Random(size.seed)
        self.lines: list[str] = []
        self.units = counties(table, size.localities)
        self.table = table
        self.first, self.last = size.base_year, size.base_year + size.years - 1

    def say(self, line: str) -> dict[str, str]:
        """A sentence of the source text, and the source that quotes it."""
        self.lines.append(line)
        return {"clause": f"{len(self.lines)}", "quote": line}

    def localities(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        listed: set[str] = set()
        for county in self.units:
            area = area_code(self.table, county)
            province = county.province_code
            if self.size.provinces and area != province and province not in listed:
                listed.add(province)
                out.append({"code": province})
            if area not in listed:
                listed.add(area)
                above = province if self.size.provinces and area != province else None
                out.append({"code": area, "parent": above} if above else {"code": area})
            out.append({"code": county.code, "parent": area, "pilot": True})
        return out

    def figure(self, slot: Slot, scope_units: int) -> Decimal:
        """A target's figure: a random one of the right size for its unit and scope."""
        rng = self.rng
        if slot.unit == "%":
            if slot.kind == "avg_annual_growth":
                return _figure(rng.uniform(5, 12), 1)
            if slot.kind == "growth_over_base":
                return _figure(rng.uniform(10, 40), 1)
            return _figure(rng.uniform(55, 90), 1)
        low, high = {"个": (5.0, 30.0), "亿元": (20.0, 200.0), "万人": (2.0, 20.0)}[slot.unit]
        if slot.kind == "cumulative_sum":  # the plan years' yearly figures, rising to the last's
            plan_years = self.size.years - 1
            low, high = low * plan_years * 0.8, high * plan_years * 0.8
        value = rng.uniform(low, high) * scope_units
        return _figure(value, 0 if slot.unit == "个" else 1)

    def indicators(self, tasks: list[str]) -> list[dict[str, Any]]:
        rng, size = self.rng, self.size
        out: list[dict[str, Any]] = []
        for i in range(size.indicators):
            cycle, slot = divmod(i, len(CYCLE))
            spec = CYCLE[slot]
            code = f"I{i + 1:03d}"
            start = cycle * len(CYCLE)
            name_zh, name_en = f"{spec.zh}（{cycle + 1}）", f"{spec.en} ({cycle + 1})"
            dimension = DIMENSIONS[i % len(DIMENSIONS)][0]
            row: dict[str, Any] = {
                "code": code,
                "name": _text(name_zh, name_en),
                "unit": spec.unit,
                "kind": spec.kind,
                "aggregation": spec.aggregation,
            }
            if spec.components:
                row["components"] = {role: f"I{start + pos + 1:03d}" for role, pos in spec.components.items()}
            if not spec.region_target:
                row["region_target"] = False
            if spec.base:
                row["base"] = {"year": self.first}
            row["dimension"] = dimension
            row["tasks"] = [tasks[i % len(DIMENSIONS)]]
            row["source"] = self.say(f"{LABEL}：指标{code}为{name_zh}，计量单位为{spec.unit}。")
            targets: list[dict[str, Any]] = []
            if spec.has_targets and spec.region_target:
                value = self.figure(spec, len(self.units))
                source = self.say(f"{LABEL}：到{self.last}年，全区域{name_zh}达到{value}{spec.unit}以上。")
                targets.append(
                    {
                        "scope": "region",
                        "year": self.last,
                        "value": _yaml_number(value),
                        "qualifier": "at_least",
                        "source": source,
                    }
                )
            if spec.has_targets:
                for county in self.units:
                    if rng.random() >= size.unit_share:
                        continue
                    value = self.figure(spec, 1)
                    source = self.say(
                        f"{LABEL}：到{self.last}年，{county.name}{name_zh}达到{value}{spec.unit}。"
                    )
                    targets.append(
                        {
                            "scope": county.code,
                            "year": self.last,
                            "value": _yaml_number(value),
                            "source": source,
                        }
                    )
            row["targets"] = targets
            out.append(row)
        return out


def synth_plan(size: SynthSize, divisions: Callable[[], Divisions]) -> dict[str, Any]:
    """The plan file's data (dump it with `dump_synth`)."""
    if size.years < 2:
        raise SynthError(
            "年数至少为 2（基期年和一个方案年）", "at least 2 years: the base year and one plan year"
        )
    if size.indicators < 1:
        raise SynthError("指标数至少为 1", "at least one indicator")
    w = _Writer(size, divisions())
    title = f"{LABEL}：合成规模测试方案（{size.localities}个县级单位×{size.indicators}项指标×{size.years}年）"
    title_en = (
        f"Synthetic sample plan for scale tests ({size.localities} county-level units × "
        f"{size.indicators} indicators × {size.years} years)"
    )
    w.say(title)
    w.say(f"{LABEL}：本方案由 planwatch synth_plan 随机生成（种子 {size.seed}），其中数字均非官方数据。")
    group_source = w.say("一、主要任务")
    tasks: list[dict[str, Any]] = []
    for k, (_dim, zh, en) in enumerate(DIMENSIONS):
        source = w.say(f"{k + 1}．{LABEL}：推进{zh}工作。（示例牵头部门{k + 1}，各市县政府）")
        tasks.append(
            {
                "code": f"T{k + 1}",
                "number": k + 1,
                "title": _text(f"推进{zh}工作", f"Advance {en.lower()}"),
                "lead": f"D{k + 1}",
                "participants": ["LGOV"],
                "source": source,
            }
        )
    localities = w.localities()
    levels = sorted({county.level for county in w.units})
    indicators = w.indicators([f"T{k + 1}" for k in range(len(tasks))])
    return {
        "format": FORMAT,
        "plan": {
            "code": size.code,
            "title": _text(title, title_en),
            "issuer": _text(f"{LABEL}：示例发布机关", "Sample issuer (synthetic)"),
            "issued_on": f"{w.first + 1}-01-15",
            "region": _text(f"{LABEL}：全国县级单位（合成）", "Synthetic national region"),
            "period": {"base_year": w.first, "start_year": w.first + 1, "end_year": w.last},
            "source_text": "\n".join(w.lines) + "\n",  # every sentence the sections quote
        },
        "localities": localities,
        "review": {"approval": {level: ["parent"] for level in levels}},
        "units": [
            *(
                {
                    "code": f"D{k + 1}",
                    "name": _text(f"示例牵头部门{k + 1}", f"Sample lead department {k + 1}"),
                    "kind": "provincial_department",
                }
                for k in range(len(DIMENSIONS))
            ),
            {
                "code": "LGOV",
                "name": _text("各市县政府", "City and county governments"),
                "kind": "local_government",
            },
        ],
        "dimensions": [
            {"code": dim, "name": _text(zh, en), "weight": 1 / len(DIMENSIONS)} for dim, zh, en in DIMENSIONS
        ],
        "task_groups": [
            {
                "code": "G1",
                "number": 1,
                "title": _text("主要任务", "Main tasks"),
                "source": group_source,
                "tasks": tasks,
            }
        ],
        "indicators": indicators,
    }


def dump_synth(data: dict[str, Any]) -> str:
    """The plan file's text: a header saying it is synthetic, then the YAML."""
    header = (
        f"# {LABEL} / synthetic: a plan generated by `planwatch synth_plan` for scale tests and benchmarks.\n"
        "# Real county-level division codes (GB/T 2260); every figure is random, none is official.\n"
    )
    return header + dump_yaml(data)
