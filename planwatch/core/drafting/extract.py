"""From a policy document's text to a Draft: the header, the outline (一、 (一) 1.), the tasks with
their lead and participating units, the quantitative targets and the places named. Every rule's
expression is in patterns.yaml; this module applies them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import cn2an

from planwatch.core.drafting import divisions as geo
from planwatch.core.drafting.model import (
    Draft,
    DraftDimension,
    DraftHeader,
    DraftKeyField,
    DraftKeyFieldGroup,
    DraftLocality,
    DraftTarget,
    DraftTask,
    DraftTaskGroup,
    DraftUnit,
    Evidence,
)
from planwatch.core.drafting.patterns import Pattern, patterns
from planwatch.core.drafting.text import Line, Sentence, fold, lines_of, sentences_of
from planwatch.core.errors import PlanWatchError
from planwatch.core.kinds import UNITS


class NothingToDraft(PlanWatchError):
    """The document has text but nothing a plan is made of: no quantitative target."""


# --- the outline --------------------------------------------------------------------------------

_LEVELS = ("level1", "level2", "level3")


@dataclass
class Node:
    level: int  # 1, 2, 3; 0 for the document itself
    number: int
    label: str  # as written: 三, （一）, 1
    title: str
    line: Line | None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    body: list[Line] = field(
        default_factory=list
    )  # its own lines (the heading's included), not its children's

    @property
    def clause(self) -> str:
        parts: list[str] = []
        node: Node | None = self
        while node is not None and node.level > 0:
            parts.append(node.label)
            node = node.parent
        return "".join(reversed(parts))

    def ancestors(self) -> list[Node]:
        out: list[Node] = []
        node = self.parent
        while node is not None and node.level > 0:
            out.append(node)
            node = node.parent
        return out


def _zh_number(text: str) -> int:
    return int(cn2an.cn2an(text, "smart"))


def outline(lines: list[Line]) -> tuple[Node, dict[int, Node]]:
    """The document as a tree of numbered headings, and the node each line belongs to (by line start)."""
    p = patterns()
    root = Node(0, 0, "", "", None)
    owner: dict[int, Node] = {}
    stack = [root]
    for line in lines:
        heading = None
        for level, name in enumerate(_LEVELS, start=1):
            match = p.get("numbering", name).regex.match(line.folded)
            if match:
                heading = (level, match)
                break
        if heading is None:
            stack[-1].body.append(line)
            owner[line.start] = stack[-1]
            continue
        level, match = heading
        raw_number = match.group("number")
        number = int(raw_number) if raw_number.isdigit() else _zh_number(raw_number)
        offset = match.start("number")
        label_end = match.start("rest")
        label = line.text[offset:label_end].strip()
        if level == 2:
            label = "（" + raw_number + "）"
        elif level == 1:
            label = raw_number
        else:
            label = raw_number
        rest_folded = match.group("rest")
        title_match = p.get("numbering", "title_end").regex.match(rest_folded)
        title_folded = title_match.group("title") if title_match else rest_folded.rstrip("。")
        if len(title_folded) > 40 and "," in title_folded:  # a long first sentence: its first clause
            title_folded = title_folded[: title_folded.index(",")]
        start = match.start("rest")
        title = line.text[start : start + len(title_folded)].strip()
        while len(stack) > 1 and stack[-1].level >= level:
            stack.pop()
        node = Node(level, number, label, title, line, parent=stack[-1])
        stack[-1].children.append(node)
        node.body.append(line)
        owner[line.start] = node
        stack.append(node)
    return root, owner


# --- responsible units --------------------------------------------------------------------------


def _split_top(text: str, separators: str) -> list[str]:
    """Split on any of `separators` outside parentheses."""
    parts: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def _clean_unit(name: str) -> str:
    strip = patterns().get("units", "strip_words").regex
    previous = None
    while previous != name:
        previous = name
        name = strip.sub("", name).strip()
    return name


def _unit_list(text: str) -> list[str] | None:
    """The unit names of a list (省发展改革委、经济和信息化委，珠江西岸六市一区政府), in order, or None
    when the list does not name units."""
    p = patterns()
    prefix_rule = p.get("units", "level_prefix").regex
    unit_rule = p.get("units", "unit_name").regex
    names: list[str] = []
    for group in _split_top(text, ",;"):
        items = _split_top(group, "、")
        joined: list[str] = []
        for item in items:  # 各区、县级市 and 各县(市、区) are one unit each
            if joined and (item == "县级市" or item.startswith("县(")):
                joined[-1] += "、" + item
            else:
                joined.append(item)
        prefix = ""
        for index, item in enumerate(joined):
            item = _clean_unit(item)
            if not item:
                continue
            match = prefix_rule.match(item)
            if index == 0:
                prefix = (
                    match.group("prefix")
                    if match and match.group("prefix") in ("省", "市", "区", "县")
                    else ""
                )
            elif not match and "政府" not in item and prefix:
                item = prefix + item
            names.append(item)
    if not names or not all(unit_rule.search(fold(name)) for name in names):
        return None
    return names


@dataclass
class UnitsFound:
    lead: list[str]  # the lead unit (the first named); others: the participating units, in order
    others: list[str]
    quote: str  # the text naming them, as written

    def __post_init__(self) -> None:
        self.lead, self.others = self.lead[:1], self.lead[1:] + self.others


def units_in(line: Line) -> UnitsFound | None:
    """The responsible units a line names: a closing parenthesis, or labelled fields."""
    p = patterns()
    folded = line.folded
    division = p.get("units", "division_of_work").regex.search(folded)
    if division:
        lead = _unit_list(division.group("lead")) or []
        others = _unit_list(division.group("others") or "") or []
        if lead:
            return UnitsFound(lead, others, line.text)
    closing = p.get("units", "closing_parenthesis").regex.search(folded)
    inner = closing.group("units") if closing else folded
    quote = line.text[closing.start() : closing.end()].strip() if closing else line.text
    lead_rule = p.get("units", "labelled_lead").regex.search(inner)
    if lead_rule:
        lead = _unit_list(lead_rule.group("units")) or []
        part = p.get("units", "labelled_participants").regex.search(inner)
        others = (_unit_list(part.group("units")) if part else None) or []
        if lead:
            return UnitsFound(lead, others, quote)
    if closing is None:
        return None
    in_parenthesis = p.get("units", "lead_in_parenthesis").regex.match(inner)
    if in_parenthesis:
        lead = _unit_list(in_parenthesis.group("lead")) or []
        others = _unit_list(in_parenthesis.group("others") or "") or []
        if lead:
            return UnitsFound(lead, others, quote)
    names = _unit_list(inner)
    if names:
        return UnitsFound(names[:1], names[1:], quote)
    return None


class UnitRegistry:
    """The units of the draft, one per name; a shortened name (联席会议其他成员单位) is the unit whose
    full name ends with it."""

    def __init__(self) -> None:
        self.units: list[DraftUnit] = []

    def code_for(self, name: str, clause: str, quote: str, start: int) -> str:
        for unit in self.units:
            if unit.name == name:
                return unit.code
        for unit in self.units:
            if len(name) >= 6 and (unit.name.endswith(name) or name.endswith(unit.name)):
                if len(name) > len(unit.name):
                    unit.name = name
                unit.evidence.doubt(f"“{name}”与“{unit.name}”视为同一单位 / read as the same unit", 0.8)
                return unit.code
        code = f"U{len(self.units) + 1:02d}"
        self.units.append(DraftUnit(code, name, _unit_kind(name), Evidence(clause, quote, start)))
        return code


def _unit_kind(name: str) -> str:
    if name.endswith("成员单位") or name.endswith("有关部门") or name.endswith("各部门"):
        return "group"
    if "政府" in name or name.startswith("各") or name.endswith("管委会"):
        return "local_government"
    return "provincial_department"


# --- the header ---------------------------------------------------------------------------------


@dataclass
class Header:
    title: str
    issuer: str
    issued_on: dt.date | None
    document_number: str
    region: str
    evidence: Evidence


def _date(match: re.Match[str], chinese: bool) -> dt.date | None:
    try:
        if chinese:
            digits = {
                "〇": 0,
                "零": 0,
                "○": 0,
                "O": 0,
                "Ｏ": 0,
                "一": 1,
                "二": 2,
                "三": 3,
                "四": 4,
                "五": 5,
                "六": 6,
                "七": 7,
                "八": 8,
                "九": 9,
            }
            year = int("".join(str(digits[c]) for c in match["year"]))
            return dt.date(year, _zh_number(match["month"]), _zh_number(match["day"]))
        return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except (ValueError, TypeError, KeyError):
        return None


def header_of(text: str, lines: list[Line]) -> Header:
    p = patterns()
    head = lines[:40]
    number = ""
    issued_on: dt.date | None = None
    issuer = ""
    title = ""
    for line in head:
        if not number and (m := p.get("header", "document_number").regex.match(line.folded)):
            number = m["number"].strip()
        if issued_on is None:
            if m := p.get("header", "date").regex.match(line.folded):
                issued_on = _date(m, False)
            elif m := p.get("header", "date_chinese").regex.match(line.folded):
                issued_on = _date(m, True)
    for index, line in enumerate(head):  # the issuer signs just above the date
        if p.get("header", "date").regex.match(line.folded) or p.get("header", "date_chinese").regex.match(
            line.folded
        ):
            for previous in reversed(head[max(0, index - 3) : index]):
                if m := p.get("header", "issuer").regex.match(previous.folded):
                    issuer = m["issuer"]
                    break
            break
    if (m := p.get("header", "title_in_notice").regex.search(fold(text[:3000]))) or (
        m := p.get("header", "title_in_notice_heading").regex.search(fold(text[:3000]))
    ):
        title = m["title"]
    else:
        for line in head:
            if m := p.get("header", "title_line").regex.match(line.folded):
                title = line.text
                break
    evidence = Evidence("", title or (lines[0].text if lines else ""), text.find(title) if title else 0)
    if not title:
        title = lines[0].text[:60] if lines else ""
        evidence.doubt("未找到方案标题 / no title found", 0.4)
    if not issuer:
        if m := re.search(r"([\u4e00-\u9fff]{2,12}(?:人民政府办公厅|人民政府))", text[:2000]):
            issuer = m.group(1)
        else:
            issuer = "（未写明）"
        evidence.doubt("未找到发文机关落款 / no issuer found", 0.5)
    if issued_on is None:
        evidence.doubt("未找到成文日期 / no date of issue found", 0.5)
    region = ""
    if m := p.get("header", "region_in_title").regex.match(fold(title)):
        region = m["region"]
    if not region or re.match(r"^(?:19|20)\d{2}年", region):
        province = _province_in(issuer) or _province_in(text[:3000])
        region = province.name if province else issuer
    return Header(title, issuer, issued_on, number, region, evidence)


def _province_in(text: str) -> geo.Division | None:
    for mention in geo.find_places(text, None):
        if mention.division.level == "province":
            return mention.division
    for division in geo.divisions():
        if division.level == "province" and text.startswith(division.short):
            return division
    return None


# --- quantitative targets -----------------------------------------------------------------------

_OPEN = "“《(〔[【"
_CLOSE = "”》)〕]】"
_CLAUSE_BREAK = re.compile(r"[,;:，；：。]")
_LEAD_WORDS = re.compile(
    r"^(?:(?:到|至|力争到|力争)?(?:19|20)\d{2}年(?:底|末)?(?:前)?|其中|共|累计|实现|力争|全省|全市|全区|确保|进一步|支持|在)+"
)


def _masked(folded: str) -> list[bool]:
    """Which characters are inside quotation marks, book-title marks or parentheses (a figure there is
    part of a name or a citation: “中国制造2025”, 〔2016〕368号)."""
    mask = [False] * len(folded)
    depth = 0
    for i, ch in enumerate(folded):
        if ch in _OPEN:
            depth += 1
        mask[i] = depth > 0
        if ch in _CLOSE:
            depth = max(0, depth - 1)
    return mask


def _value(number: str) -> Decimal | None:
    try:
        if re.fullmatch(r"\d+(?:\.\d+)?", number):
            return Decimal(number)
        return Decimal(str(cn2an.cn2an(number, "smart")))
    except (ValueError, InvalidOperation, KeyError, TypeError):
        return None


_UNIT_ALIASES = {"名": "人"}


def _unit_and_value(value: Decimal, magnitude: str, unit: str) -> tuple[Decimal, str]:
    unit = _UNIT_ALIASES.get(unit, unit)
    if magnitude and magnitude + unit in UNITS:
        return value, magnitude + unit
    if magnitude == "万亿" and unit == "元":
        return value * 10_000, "亿元"
    scale = {"": 1, "万": 10_000, "亿": 100_000_000, "万亿": 10**12}[magnitude]
    if unit == "百分点":
        unit = "个百分点"
    return value * scale, unit


@dataclass
class Quantity:
    start: int
    end: int  # after the unit
    value: Decimal
    unit: str
    chinese: bool
    range_from: str = ""  # 5-10个: the range as written; the value is its lower end


def _kind_rules(side: str) -> list[Pattern]:
    return [rule for rule in patterns().section("kinds") if rule.side == side]


def _clause_before(folded: str, start: int) -> str:
    """The text from the last clause break (，；：。) to `start`."""
    cut = max((m.end() for m in _CLAUSE_BREAK.finditer(folded, 0, start)), default=0)
    return folded[cut:start]


# What may stand between an indicator's name and its figure: not part of the name.
_TRAILING_VERBS = re.compile(
    r"(?:达到|达|总数达|总量达|控制在|不超过|不高于|不少于|不低于|超过|超|约|保持在|稳定在|为)+$"
)


def _round(value: Decimal) -> Decimal:
    """At most two decimal places, no exponent (90, not 9E+1)."""
    value = value.quantize(Decimal("0.01"))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _subject(text: str) -> str:
    text = re.sub(r"^\s*(?:\d{1,2}[.、]|\([一二三四五六七八九十\d]{1,3}\))", "", text)
    text = _LEAD_WORDS.sub("", text.strip(" ,、"))
    for _ in range(3):
        # the region the plan covers (“……地区”), the whole of a level, “we”
        stripped = re.sub(r"^(?:[\u4e00-\u9fff]{2,6}?地区|全省|全市|全区|全县|各地|我省|我市)", "", text)
        stripped = re.sub(
            r"^(?:支持|培育|新引进|引进|推进|实施|组织实施|建设|新建|孵化|发展壮大|实现|推动|打造)+",
            "",
            stripped,
        )
        if stripped == text:
            break
        text = stripped
    return text.strip(" ,、的")


@dataclass
class SentenceContext:
    line: Line
    sentence: Sentence
    clause: str
    task: str | None
    heading_year: int | None
    line_year: int | None = None  # the year its line gives (——2018年：…)


class TargetFinder:
    def __init__(self) -> None:
        p = patterns()
        self.quantity = p.get("quantities", "quantity").regex
        self.percent_words = p.get("quantities", "percent_words").regex
        self.threshold = p.get("quantities", "threshold").regex
        self.not_before = p.get("quantities", "not_a_target_before").regex
        self.not_after = p.get("quantities", "not_a_target_after").regex
        self.range = p.get("quantities", "range").regex
        self.increase = p.get("quantities", "increase_over_last_year").regex
        self.per_something = p.get("quantities", "per_something").regex
        self.left_out: list[str] = []  # figures read but not drafted (25万元/人), for the reviewer
        self.growth_of_previous = p.get("quantities", "growth_of_previous").regex
        self.year_marker = p.get("years", "target_year_marker").regex
        self.base_year = p.get("years", "base_year").regex
        self.qualifiers = p.section("qualifiers")
        self.every_one = p.get("special", "every_one_has").regex
        self.enumeration = p.get("special", "enumeration").regex
        kinds = {rule.name: rule for rule in p.section("kinds")}
        self.level_verb = kinds["level_verb"].regex
        self.cumulative_sum = kinds["cumulative_sum"].regex
        self.count_verb = kinds["count_verb"].regex
        self.percent_kinds = [
            kinds[name] for name in ("avg_annual_growth", "growth_over_base", "decrease", "growth")
        ]

    def quantities(self, folded: str) -> list[Quantity]:
        mask = _masked(folded)
        out: list[Quantity] = []
        for m in self.quantity.finditer(folded):
            if mask[m.start()]:
                continue
            number = m.group("number")
            chinese = not number[0].isdigit()
            if m.start() > 0 and (folded[m.start() - 1].isdigit() or folded[m.start() - 1] == "."):
                continue
            value = _value(number)
            if value is None:
                continue
            before = folded[max(0, m.start() - 8) : m.start()]
            after = folded[m.end() : m.end() + 4]
            if self.not_before.search(before) or self.not_after.match(after):
                continue
            if per := self.per_something.match(folded[m.end() :]):
                self.left_out.append(m.group() + per.group())  # 25万元/人: not a unit of PlanWatch's
                continue
            if chinese and (
                number in ("一", "两", "二") or not self._verb_near(_clause_before(folded, m.start()))
            ):
                continue
            value, unit = _unit_and_value(value, m.group("magnitude") or "", m.group("unit"))
            if (
                unit in ("元", "万元", "亿元")
                and self.threshold.search(before)
                and re.match(r"[\u4e00-\u9fff]", after)
            ):
                continue  # 投资超1亿元装备制造业项目: what is counted, not a target
            quantity = Quantity(m.start(), m.end(), value, unit, chinese)
            if not chinese and (low := self.range.search(folded, 0, m.start())):
                low_value, _ = _unit_and_value(
                    Decimal(low["low"]), m.group("magnitude") or "", m.group("unit")
                )
                quantity.range_from = folded[low.start() : m.end()]
                quantity.value = low_value
            out.append(quantity)
        for m in self.percent_words.finditer(folded):
            if not mask[m.start()] and (value := _value(m.group("number"))) is not None:
                out.append(Quantity(m.start(), m.end(), value, "%", True))
        return sorted(out, key=lambda q: q.start)

    def _verb_near(self, before: str) -> bool:
        return bool(
            self.count_verb.search(before)
            or self.level_verb.search(before)
            or re.search(r"增长|下降|提高", before)
        )

    def qualifier(self, folded: str, quantity: Quantity) -> str:
        before = folded[: quantity.start]
        after = folded[quantity.end :]
        for rule in self.qualifiers:
            if rule.side == "after" and rule.regex.match(after):
                return rule.kind
            if rule.side == "before" and rule.regex.search(before):
                return rule.kind
        return "exact"

    def year(self, folded: str, position: int) -> int | None:
        years = [int(m["year"]) for m in self.year_marker.finditer(folded, 0, position)]
        if years:
            return years[-1]
        start = re.match(r"^\s*((?:19|20)\d{2})年(?:底|末)?(?:前)?[,，]", folded)
        return int(start.group(1)) if start else None

    def find(self, ctx: SentenceContext) -> list[DraftTarget]:
        folded = ctx.sentence.folded
        quote = ctx.sentence.text.strip()
        start = (
            ctx.line.start + ctx.sentence.start + (len(ctx.sentence.text) - len(ctx.sentence.text.lstrip()))
        )
        out: list[DraftTarget] = []
        skip: list[tuple[int, int]] = []
        every = self.every_one.search(folded)
        if every:
            skip.append((every.start("number"), every.end("unit") + 3))
            evidence = Evidence(ctx.clause, quote, start, 0.6)
            evidence.doubt(
                "“每个…均有”读作覆盖率100%，请核对指标名称与口径 / “every … has” read as a share of 100 %",
                0.6,
            )
            year, implied = self._year_of(ctx, folded, every.start())
            out.append(
                DraftTarget(
                    name=f"{every['whole']}均有{every['part'].split('并')[0]}的比例",
                    value=Decimal(100),
                    unit="%",
                    year=year or 0,
                    year_implied=implied,
                    qualifier="basically" if every["basically"] == "基本实现" else "exact",
                    kind="share",
                    base_year=None,
                    base_value=None,
                    base_implied=False,
                    task=ctx.task,
                    scope="region",
                    evidence=evidence,
                )
            )
        previous: DraftTarget | None = None
        for quantity in self.quantities(folded):
            if any(a <= quantity.start < b for a, b in skip):
                continue
            target = self._target(ctx, folded, quote, start, quantity, previous)
            if target is None:
                continue
            out.append(target)
            previous = target
        return out

    def _year_of(self, ctx: SentenceContext, folded: str, position: int) -> tuple[int | None, bool]:
        year = self.year(folded, position)
        if year is not None:
            return year, False
        if ctx.line_year is not None:
            return ctx.line_year, False
        return ctx.heading_year, True

    def _target(
        self,
        ctx: SentenceContext,
        folded: str,
        quote: str,
        start: int,
        quantity: Quantity,
        previous: DraftTarget | None,
    ) -> DraftTarget | None:
        clause = _clause_before(folded, quantity.start)
        if (
            self.increase.search(clause)
            and previous is not None
            and previous.unit == quantity.unit
            and previous.kind == "level"
            and previous.base_value is None
        ):
            # 61.7亿元，比上年增加11.2亿元: the base is implied (50.5), the increase no target.
            stated = self.base_year.search(clause)
            previous.base_year = int(stated["year"]) if stated else None
            previous.base_value = _round(previous.value - quantity.value)
            previous.base_implied = True
            return None
        qualifier = self.qualifier(folded, quantity)
        evidence = Evidence(ctx.clause, quote, start, 0.9)
        if quantity.range_from:
            qualifier = "at_least"
            evidence.doubt(f"原文为区间“{quantity.range_from}”，暂取下限 / a range: its lower end", 0.6)
        year, implied = self._year_of(ctx, folded, quantity.start)
        if implied:
            if year is None:
                evidence.doubt(
                    "原文此句未写年份，暂按方案期末计 / the sentence gives no year: the plan's end year", 0.6
                )
            else:
                evidence.doubt("年份取自所在章节标题 / the year is the section heading's", 0.85)
        kind, base_year = self._kind(folded, clause, quantity, evidence)
        enumeration = self.enumeration.search(folded)
        places: list[str] = []
        if enumeration and enumeration.start("number") == quantity.start:
            kind = "level"
            places = enumeration["places"].split("、")
        name = self._name(folded, clause, quantity, kind, base_year, previous, qualifier)
        if len(name) < 4:
            evidence.doubt("指标名称不完整，请补全 / the indicator's name is incomplete", 0.6)
        target = DraftTarget(
            name=name,
            value=quantity.value,
            unit=quantity.unit,
            year=year or 0,
            year_implied=implied,
            qualifier=qualifier,
            kind=kind,
            base_year=base_year,
            base_value=None,
            base_implied=False,
            task=ctx.task,
            scope="region",
            evidence=evidence,
            line_year=year is not None
            and year == ctx.line_year
            and self.year(folded, quantity.start) is None,
        )
        if places:
            target.evidence.clause = ctx.clause
            target.scope = "region"
            target.indicator = "|".join(places)  # resolved to locality targets by the draft
        if (
            kind == "growth_over_base"
            and previous is not None
            and previous.kind == "level"
            and previous.base_value is None
            and not _subject(clause.split("比")[0])
        ):
            # 108万人，比2016年增长20%: the level's base is implied, 108 ÷ 1.2 = 90.
            previous.base_year = base_year
            previous.base_value = _round(previous.value / (1 + quantity.value / 100))
            previous.base_implied = True
        return target

    def _kind(
        self, folded: str, clause: str, quantity: Quantity, evidence: Evidence
    ) -> tuple[str, int | None]:
        """The kind the figure's context implies, and the base year a growth over one names."""
        base_year: int | None = None
        if quantity.unit == "%":
            kind = "share"
            for rule in self.percent_kinds:
                if rule.regex.search(folded[: quantity.start]):
                    kind = rule.kind
                    break
            if kind in ("growth_over_base", "cumulative_decrease"):
                bases = list(self.base_year.finditer(clause))
                if bases:
                    base_year = int(bases[-1]["year"])
            return kind, base_year
        known = UNITS.get(quantity.unit)
        if known is None:
            evidence.doubt(
                f"计量单位“{quantity.unit}”不在PlanWatch的单位表中 / unit {quantity.unit} is not one PlanWatch knows",
                0.5,
            )
            return "level", None
        if known.quantity.value == "count":
            return ("level" if self.level_verb.search(clause) else "cumulative_count"), None
        if known.quantity.value == "yuan":
            return ("cumulative_sum" if self.cumulative_sum.search(clause) else "level"), None
        return "level", None

    def _name(
        self,
        folded: str,
        clause: str,
        quantity: Quantity,
        kind: str,
        base_year: int | None,
        previous: DraftTarget | None,
        qualifier: str,
    ) -> str:
        if quantity.unit == "%":
            subject = clause
            for word in (
                "年均增长",
                "年均增速",
                "年均提高",
                "增长",
                "提高",
                "下降",
                "降低",
                "减少",
                "增加",
                "上升",
            ):
                if word in subject:
                    subject = subject[: subject.rindex(word)]
                    break
            subject = re.sub(r"(?:比|较)(?:19|20)\d{2}年.*$", "", subject)
            subject = _subject(_TRAILING_VERBS.sub("", subject))
            if previous is not None and self.growth_of_previous.search(clause):
                subject = re.sub(r"数$", "", previous.name)  # 投资5700亿元、增长20%: the investment's
            if not subject and previous is not None:
                subject = re.sub(r"数$", "", previous.name)
            suffix = {
                "avg_annual_growth": "年均增长率",
                "growth_over_base": f"比{base_year}年增长率" if base_year else "增长率",
                "cumulative_decrease": "下降率",
            }.get(kind, "")
            if kind == "share" and (
                whose := re.match(r"^(?:以上|左右)?的([^,;:。、]{2,20})", folded[quantity.end :])
            ):
                return whose.group(1) + "比例"
            if kind == "share":
                share = re.search(
                    r"(?P<part>[^占]*)占(?P<whole>.+?)(?:的)?(?:比重|比例)?(?:达到|达|为)?$", clause
                )
                part = _subject(share["part"]) if share else ""
                if share and part:  # 研发经费支出占地区生产总值比重达2.7%
                    return f"{part}占{share['whole'].rstrip('的')}比重"
                if share and previous is not None:  # 其中高技能人才38万人，占……的35%
                    return f"{re.sub(r'数$', '', previous.name)}占{share['whole'].rstrip('的')}比重"
                return (subject.rstrip("的") or "比重") + (
                    "" if subject.endswith(("率", "比重", "比例")) else "比重"
                )
            return subject + suffix
        after = folded[quantity.end :]
        after = re.sub(r"^(?:以上|及以上|左右|以内|以下)", "", after)
        post = re.split(r"[,;:。、]|和(?=\d)", after, maxsplit=1)[0]
        post = re.sub(r"建设$", "", post)
        post = post.lstrip("的")
        if len(post) >= 2 and not re.match(r"^(?:以上|左右|的)", post):
            return post + ("" if post.endswith("数") else "数")
        subject = _subject(_TRAILING_VERBS.sub("", clause))
        if not subject and previous is not None:
            subject = previous.name
        if kind == "cumulative_sum":
            return "累计" + subject
        if quantity.unit in UNITS and UNITS[quantity.unit].quantity.value == "yuan":
            return subject
        return subject + ("" if subject.endswith(("数", "量", "额", "值", "总数")) else "数")


# --- tables of targets --------------------------------------------------------------------------

_TABLE_QUALIFIERS = {
    "≥": "at_least",
    ">": "over",
    "≤": "at_most",
    "<": "at_most",
    "约": "approx",
    "超过": "over",
}
_TABLE_QUALIFIERS |= {
    "不低于": "not_less_than",
    "不少于": "not_less_than",
    "以上": "at_least",
    "左右": "about",
}
_TABLE_QUALIFIERS |= {"以内": "at_most", "以下": "at_most"}


def _table_kind(name: str, unit: str) -> str:
    if unit == "%":
        if "年均" in name:
            return "avg_annual_growth"
        if re.search(r"下降|降低|减少", name):
            return "cumulative_decrease"
        if re.search(r"增长|增速", name):
            return "growth_over_base"
        return "share"
    if (
        unit in UNITS
        and UNITS[unit].quantity.value == "count"
        and re.search(r"累计|新增|新建|新引进|引进|培育", name)
    ):
        return "cumulative_count"
    return "level"


@dataclass
class TableHeader:
    name: int  # the column of the indicator's name
    unit: int | None  # of the unit
    years: dict[int, int]  # column → the year its figures are for
    bases: dict[int, int]  # column → the base year its figures are of


def table_targets(
    lines: list[Line], owner: dict[int, Node], task_of_node: dict[int, str]
) -> tuple[list[DraftTarget], set[int]]:
    """The targets of tables (指标表): each row's figure in each year column, with the row's unit.
    Also the lines the tables take (their figures are read here, not as sentences)."""
    p = patterns()
    indicator_rule = p.get("tables", "indicator_column").regex
    unit_rule = p.get("tables", "unit_column").regex
    year_rule = p.get("tables", "year_column").regex
    base_rule = p.get("tables", "base_column").regex
    cell_rule = p.get("tables", "cell_value").regex
    out: list[DraftTarget] = []
    taken: set[int] = set()
    header: TableHeader | None = None
    for line in lines:
        if "\t" not in line.text:
            header = None
            continue
        cells = [cell.strip() for cell in line.folded.split("\t")]
        columns = {i: cell for i, cell in enumerate(cells)}
        name_col = next((i for i, c in columns.items() if indicator_rule.match(c)), None)
        unit_col = next((i for i, c in columns.items() if unit_rule.match(c)), None)
        years = {i: int(m["year"]) for i, c in columns.items() if (m := year_rule.match(c))}
        if name_col is not None and years:
            bases = {i: int(m["year"]) for i, c in columns.items() if (m := base_rule.match(c))}
            header = TableHeader(name_col, unit_col, years, bases)
            taken.add(line.start)
            continue
        if header is None:
            continue
        taken.add(line.start)
        if header.name >= len(cells) or not cells[header.name]:
            continue
        name = line.text.split("\t")[header.name].strip()
        unit = cells[header.unit] if header.unit is not None and header.unit < len(cells) else ""
        base_year: int | None = None
        base_value: Decimal | None = None
        for i, year in header.bases.items():
            if i < len(cells) and (m := cell_rule.match(cells[i])):
                base_year, base_value = year, Decimal(m["number"])
        node = owner.get(line.start)
        task = None
        for candidate in [node, *node.ancestors()] if node else []:
            task = task or task_of_node.get(id(candidate))
        for i, year in header.years.items():
            if i >= len(cells) or not (m := cell_rule.match(cells[i])):
                continue
            row_unit = unit or ("%" if m["unit"] else "")
            qualifier = _TABLE_QUALIFIERS.get(m["before"] or m["after"] or "", "exact")
            evidence = Evidence(node.clause if node else "", line.text, line.start, 0.8)
            if row_unit not in UNITS:
                evidence.doubt(
                    f"计量单位“{row_unit}”需改为单位表中的单位 / unit {row_unit!r} is not one PlanWatch knows",
                    0.5,
                )
            kind = _table_kind(name, row_unit)
            out.append(
                DraftTarget(
                    name=name,
                    value=Decimal(m["number"]),
                    unit=row_unit or "个",
                    year=year,
                    year_implied=False,
                    qualifier=qualifier,
                    kind=kind,
                    base_year=base_year if kind != "share" else None,
                    base_value=base_value if kind == "level" else None,
                    base_implied=False,
                    task=task,
                    scope="region",
                    evidence=evidence,
                    indicator="@" + name,
                )
            )
    return out, taken


# --- the draft ----------------------------------------------------------------------------------


def _code(title: str, year: int) -> str:
    return f"draft-{year}-{hashlib.sha256(title.encode('utf-8')).hexdigest()[:6]}"


def _task_nodes(root: Node) -> list[tuple[Node, list[Node]]]:
    """The task groups (headings whose tasks name responsible units) and each one's tasks: its
    numbered items, or itself when it has none."""

    def has_units(node: Node) -> bool:
        return any(units_in(line) for line in node.body)

    groups: list[tuple[Node, list[Node]]] = []

    def visit(node: Node) -> None:
        items = [child for child in node.children if child.level == 3]
        subsections = [child for child in node.children if child.level < 3]
        if node.level in (1, 2):
            if items and any(has_units(item) for item in items):
                groups.append((node, items))
            elif not items and not subsections and has_units(node):
                groups.append((node, [node]))
        for child in subsections:
            visit(child)

    visit(root)
    return groups


def _task_section_nodes(root: Node) -> list[tuple[Node, list[Node]]]:
    """The level-one headings that say they hold the tasks (二、主要任务) and their numbered items."""
    rule = patterns().get("units", "task_section").regex
    groups: list[tuple[Node, list[Node]]] = []
    for top in root.children:
        if top.level == 1 and rule.match(fold(top.title)):
            items = [child for child in top.children if child.level == 2]
            items = items or [child for child in top.children if child.level == 3]
            if items:
                groups.append((top, items))
    return groups


def _key_field_nodes(root: Node) -> list[Node]:
    out: list[Node] = []
    for top in root.children:
        if top.level == 1 and re.search(r"重点领域|重点产业|产业方向", top.title):
            out += [child for child in top.children if child.level == 2 and child.children]
    return out


def draft(text: str) -> Draft:
    """The draft of a plan from its text. Raises NothingToDraft when it has no quantitative target."""
    lines = lines_of(text)
    header = header_of(text, lines)
    root, owner = outline(lines)
    registry = UnitRegistry()

    task_groups, task_of_node = _task_groups(root, registry, header, lines)
    key_field_groups = _key_field_groups(root)
    found, left_out = _targets(lines, root, owner, task_of_node)
    targets = _dedupe(found)
    if not targets:
        raise NothingToDraft(
            "文中未找到量化目标（如“到2020年，……达到100家”），未生成草稿。",
            "no quantitative target found in the text (such as “by 2020, … 100 enterprises”): no draft was written.",
        )

    period = _period(text, header, targets)
    base_year, start_year, end_year, horizon = period
    for target in targets:
        if target.year == 0:
            target.year = end_year
        if target.base_value is not None and target.base_year is None:
            target.base_year = target.year - 1
        if (
            target.kind in ("growth_over_base", "cumulative_decrease", "avg_annual_growth")
            and target.base_year is None
        ):
            target.base_year = target.year - 1 if start_year == end_year else base_year
            target.base_implied = True

    targets = _yearly_figures(targets)
    localities = _localities(text, header, targets)
    _locality_targets(targets, localities)
    return Draft(
        left_out=left_out,
        source_text=text,
        header=DraftHeader(
            title=header.title,
            issuer=header.issuer,
            issued_on=header.issued_on,
            document_number=header.document_number,
            region=header.region,
            base_year=base_year,
            start_year=start_year,
            end_year=end_year,
            horizon_year=horizon,
            evidence=header.evidence,
        ),
        localities=localities,
        units=registry.units,
        key_field_groups=key_field_groups,
        task_groups=task_groups,
        targets=targets,
        dimensions=[_dimension(text)],
    )


def _addressed_government(lines: list[Line]) -> str | None:
    """The first local government the notice issuing the plan is addressed to (各地级以上市人民政府、
    各县(市、区)人民政府，省有关部门：), or None."""
    p = patterns()
    body_start = _body_start(lines)
    for line in lines:
        if line.start >= body_start:
            break
        if addressed := p.get("units", "addressees").regex.match(line.folded):
            for name in _split_top(addressed["addressees"], ",;、"):
                if p.get("units", "addressed_government").regex.match(name):
                    return name
            return None
    return None


def _unnamed_units(
    registry: UnitRegistry, header: Header, lines: list[Line], clause: str
) -> tuple[str, list[str], str]:
    """The units of a task whose text names none: the issuer leads, the first local government the
    notice is addressed to takes part; each unit marked for review. Also the reason, for the task."""
    government = _addressed_government(lines)
    reason = "原文未写本任务的责任单位：暂以发文机关牵头"
    reason += f"、主送的{government}参与" if government else ""
    reason += "，请核对 / no units named for the task: the issuer leads"
    reason += ", the governments the notice is addressed to take part" if government else ""
    codes = [registry.code_for(name, clause, name, -1) for name in [header.issuer, government] if name]
    for unit in registry.units:
        if unit.code in codes:
            unit.evidence.doubt(
                "原文未写责任单位，由发文机关与主送机关推得 / from the issuer and addressees", 0.5
            )
    return codes[0], codes[1:], reason


def _task_groups(
    root: Node, registry: UnitRegistry, header: Header, lines: list[Line]
) -> tuple[list[DraftTaskGroup], dict[int, str]]:
    """The task groups and their tasks with their units, and the task code of each task's node. A
    text that names no unit anywhere: the items of its task section (二、主要任务), their units from
    the notice (_unnamed_units)."""
    task_groups: list[DraftTaskGroup] = []
    task_of_node: dict[int, str] = {}
    groups = _task_nodes(root)
    unnamed = not groups
    if unnamed:
        groups = _task_section_nodes(root)
    for g_index, (group_node, task_nodes) in enumerate(groups, start=1):
        assert group_node.line is not None
        group = DraftTaskGroup(
            f"G{g_index}",
            g_index,
            group_node.title,
            Evidence(group_node.clause, group_node.line.text, group_node.line.start),
        )
        for t_index, node in enumerate(task_nodes, start=1):
            own = node is group_node
            found = None
            for line in node.body:
                found = units_in(line) or found
            code = f"T{g_index}" if own else f"T{g_index}.{t_index}"
            quote_line = node.body[1] if own and len(node.body) > 1 else node.body[0]
            evidence = Evidence(node.clause, quote_line.text, quote_line.start, 0.9)
            lead = None
            participants: list[str] = []
            if found:
                codes = [
                    registry.code_for(name, node.clause, found.quote, quote_line.start) for name in found.lead
                ]
                codes += [
                    registry.code_for(name, node.clause, found.quote, quote_line.start)
                    for name in found.others
                ]
                lead = codes[0]
                for unit_code in codes[1:]:
                    if unit_code != lead and unit_code not in participants:
                        participants.append(unit_code)
            elif unnamed:
                lead, participants, reason = _unnamed_units(registry, header, lines, node.clause)
                evidence.doubt(reason, 0.5)
            else:
                evidence.doubt("未找到牵头单位 / no lead unit found", 0.3)
            task = DraftTask(
                code, group.code, None if own else node.number, node.title, lead, participants, evidence
            )
            group.tasks.append(task)
            task_of_node[id(node)] = code
        task_groups.append(group)
    return task_groups, task_of_node


def _key_field_groups(root: Node) -> list[DraftKeyFieldGroup]:
    key_field_groups: list[DraftKeyFieldGroup] = []
    for k_index, node in enumerate(_key_field_nodes(root), start=1):
        assert node.line is not None
        kf_group = DraftKeyFieldGroup(
            f"KG{k_index}", node.number, node.title, Evidence(node.clause, node.line.text, node.line.start)
        )
        for child in node.children:
            assert child.line is not None
            kf_group.fields.append(
                DraftKeyField(
                    f"KF{k_index}.{child.number}",
                    child.number,
                    child.title,
                    Evidence(child.clause, child.line.text, child.line.start),
                )
            )
        key_field_groups.append(kf_group)
    return key_field_groups


def _targets(
    lines: list[Line], root: Node, owner: dict[int, Node], task_of_node: dict[int, str]
) -> tuple[list[DraftTarget], list[str]]:
    """Every quantitative target of the plan's body, in its sentences and its tables; and the
    figures read but not drafted (a unit PlanWatch does not have: 25万元/人)."""
    finder = TargetFinder()
    targets: list[DraftTarget] = []
    body_start = _body_start(lines)
    in_tables, table_lines = table_targets(
        [line for line in lines if line.start >= body_start], owner, task_of_node
    )
    heading_year_rule = patterns().get("years", "heading_year").regex
    yearly_line_rule = patterns().get("years", "yearly_line").regex
    for line in lines:
        if line.start < body_start or line.start in table_lines:
            continue  # the notice that issues the plan: its figures are not the plan's; tables: below
        node = owner.get(line.start, root)
        task_code: str | None = None
        heading_year = None
        line_year = yearly_line_rule.match(line.folded)
        for candidate in [node, *node.ancestors()]:
            task_code = task_code or task_of_node.get(id(candidate))
            title_year = (
                heading_year_rule.match(fold(candidate.title)) if candidate.line is not None else None
            )
            if heading_year is None and title_year:
                heading_year = int(title_year["year"])
        for sentence in sentences_of(line):
            ctx = SentenceContext(
                line,
                sentence,
                node.clause,
                task_code,
                heading_year,
                int(line_year["year"]) if line_year else None,
            )
            targets += finder.find(ctx)
    return targets + in_tables, list(dict.fromkeys(finder.left_out))


def _dimension(text: str) -> DraftDimension:
    """One evaluation dimension for every indicator with a target, weight 1 (PlanWatch's proposal):
    the text may name dimensions, but never which indicator is in which nor their weights."""
    named = re.search(r"围绕([\u4e00-\u9fff、]{4,60}?)等[^。]{0,20}?(?:评估|评价|考核)", text)
    evidence = Evidence("", named.group(0) if named else "", text.find(named.group(0)) if named else -1, 0.5)
    also = f"原文列出的评估维度：{named.group(1)}；" if named else ""
    evidence.doubt(
        f"{also}原文未将指标分配到维度、未给权重：暂设一个“综合”维度（权重1）包含全部有目标的指标，"
        "以便评估对报送单位排名，请核对 / one dimension for every indicator, PlanWatch's proposal",
        0.5,
    )
    return DraftDimension("overall", "综合", 1, evidence)


def _body_start(lines: list[Line]) -> int:
    """Where the plan itself starts: after the date that closes the notice issuing it, if the
    document opens with one (its first 40 lines), else at the top."""
    p = patterns()
    dates = (p.get("header", "date").regex, p.get("header", "date_chinese").regex)
    for line in lines[:40]:
        if any(rule.match(line.folded) for rule in dates):
            return line.end
    return 0


def _dedupe(targets: list[DraftTarget]) -> list[DraftTarget]:
    """The same target stated twice (the same name, figure, unit, year and kind) is one."""
    seen: dict[tuple[str, Decimal, str, int, str, str], DraftTarget] = {}
    out: list[DraftTarget] = []
    for target in targets:
        key = (target.name, target.value, target.unit, target.year, target.kind, target.indicator)
        if key in seen:
            continue
        seen[key] = target
        out.append(target)
    return out


def _adds_up_to(part: DraftTarget, total: DraftTarget) -> bool:
    """Whether a yearly figure is one year's part of a cumulative one: a count of the same unit, or an
    amount of money (in any unit of it) of a cumulative sum."""
    if total.kind == "cumulative_count":
        return part.unit == total.unit and part.kind in ("cumulative_count", "level")
    return (
        part.kind == "level"
        and part.unit in UNITS
        and total.unit in UNITS
        and UNITS[part.unit].quantity == UNITS[total.unit].quantity
    )


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


_RUNNING_TOTAL = "累计数由各年数相加推得 / a running total of the yearly figures"


def _sum_note(parts: list[DraftTarget]) -> str:
    """2018年5700亿元与2019年6900亿元之和（完成工业技术改造投资）。"""
    summed = "与".join(f"{part.year}年{_plain(part.value)}{part.unit}" for part in parts)
    return f"{summed}之和（{parts[-1].name}）。"


def _yearly_figures(targets: list[DraftTarget]) -> list[DraftTarget]:
    """The yearly lines under a cumulative figure over a span of years (2018年至2020年，……超过25000家，
    累计完成投资2万亿元以上; ——2018年：引导8200家……完成投资5700亿元), where every year of the span has
    one figure of the same quantity in the same section:

    - a count's yearly figures are what each year adds: the cumulative count's targets are their running
      totals (8200, 16500), its end year's the stated one (the last yearly figure is not drafted again);
    - an amount's yearly figures are a yearly indicator of their own, the cumulative sum's `yearly`
      component; the sum's targets between its first and last year are their running totals, in its
      unit (5700 + 6900 亿元 = 1.26万亿元): in the first year it is the yearly figure itself.

    A sum of the yearly figures that falls short of the stated total is marked for review. Then a
    yearly growth that repeats an average annual growth of the same quantity (投资年均增长20%以上;
    ——2018年：……投资5700亿元、增长20%以上) is not drafted again, and a yearly line's targets of the
    same name are one indicator."""
    span_rule = patterns().get("years", "span").regex
    dropped: set[int] = set()
    running: dict[int, list[DraftTarget]] = {}  # id of a cumulative sum → its running totals
    for total in targets:
        parts = _span_parts(total, targets, dropped, span_rule)
        if parts is None:
            continue
        ratio = UNITS[parts[0].unit].scale / UNITS[total.unit].scale if total.unit in UNITS else Decimal(1)
        _check_span_sum(total, parts, ratio)
        if total.kind == "cumulative_count":
            _running_counts(total, parts, dropped)
        else:
            total.component = parts[0].name
            running[id(total)] = _running_sums(total, parts, ratio)
    _repeated_growths(targets, dropped)
    out: list[DraftTarget] = []
    seen: set[tuple[str, str, str]] = set()
    for target in targets:
        if id(target) in dropped:
            continue
        if target.line_year and not target.indicator:
            key = (target.name, target.unit, target.kind)
            if key in seen:
                target.indicator = "@" + target.name
            seen.add(key)
        out.append(target)
        out += running.get(id(target), [])
    return out


def _span_parts(
    total: DraftTarget, targets: list[DraftTarget], dropped: set[int], span_rule: re.Pattern[str]
) -> list[DraftTarget] | None:
    """A cumulative figure's yearly figures, one per year of its span, in year order; None when it
    has no span or a year of it has none or more than one."""
    if total.kind not in ("cumulative_count", "cumulative_sum") or total.line_year or total.scope != "region":
        return None
    span = span_rule.search(fold(total.evidence.quote))
    if span is None or int(span["end"]) != total.year or int(span["start"]) >= total.year:
        return None
    years = list(range(int(span["start"]), total.year + 1))
    by_year: dict[int, list[DraftTarget]] = {}
    for part in targets:
        if (
            part.line_year
            and part.scope == "region"
            and part.evidence.clause == total.evidence.clause
            and part.year in years
            and id(part) not in dropped
            and _adds_up_to(part, total)
        ):
            by_year.setdefault(part.year, []).append(part)
    if sorted(by_year) != years or any(len(parts) != 1 for parts in by_year.values()):
        return None
    return [by_year[year][0] for year in years]


def _check_span_sum(total: DraftTarget, parts: list[DraftTarget], ratio: Decimal) -> None:
    """A sum of the yearly figures that falls short of the stated total marks the total for review."""
    summed = _round(sum((part.value for part in parts), Decimal(0)) * ratio)
    short = (
        summed < total.value
        if total.qualifier in ("at_least", "over", "not_less_than")
        else summed != total.value
    )
    if short:
        total.evidence.doubt(
            f"各年数之和为{_plain(summed)}{total.unit}，与累计目标{_plain(total.value)}{total.unit}不符"
            " / the yearly figures do not add up to the total",
            0.6,
        )


def _running_counts(total: DraftTarget, parts: list[DraftTarget], dropped: set[int]) -> None:
    """A count's yearly figures become its running totals; the end year's is the stated total."""
    for index, part in enumerate(parts):
        if part.year == total.year:
            dropped.add(id(part))
            continue
        values = [p.value for p in parts[: index + 1]]
        if index:
            part.figure_note = _sum_note(parts[: index + 1])
            part.evidence.doubt(_RUNNING_TOTAL, 0.8)
        part.value = sum(values, Decimal(0))
        part.kind, part.name, part.indicator = total.kind, total.name, "@" + total.name


def _running_sums(total: DraftTarget, parts: list[DraftTarget], ratio: Decimal) -> list[DraftTarget]:
    """An amount's running totals between its first and last year, in the sum's own unit."""
    out = []
    for index in range(1, len(parts) - 1):
        part = parts[index]
        values = [p.value for p in parts[: index + 1]]
        evidence = Evidence(total.evidence.clause, part.evidence.quote, part.evidence.start)
        evidence.doubt(_RUNNING_TOTAL, 0.8)
        out.append(
            DraftTarget(
                name=total.name,
                value=_round(sum(values, Decimal(0)) * ratio),
                unit=total.unit,
                year=part.year,
                year_implied=False,
                qualifier="exact",
                kind=total.kind,
                base_year=None,
                base_value=None,
                base_implied=False,
                task=total.task,
                scope="region",
                evidence=evidence,
                indicator="@" + total.name,
                figure_note=_sum_note(parts[: index + 1]),
            )
        )
    return out


def _repeated_growths(targets: list[DraftTarget], dropped: set[int]) -> None:
    """A yearly growth that repeats an average annual growth of the same quantity is not drafted
    again; the average takes that yearly level as its component."""
    averages = [t for t in targets if t.kind == "avg_annual_growth" and not t.line_year]
    for target in targets:
        if not (target.line_year and target.kind == "growth_over_base"):
            continue
        stem = re.sub(r"增长率$", "", target.name)
        for average in averages:
            if (
                average.evidence.clause == target.evidence.clause
                and average.value == target.value
                and average.qualifier == target.qualifier
                and stem.endswith(re.sub(r"年均增长率$", "", average.name))
            ):
                dropped.add(id(target))
                if any(t.line_year and t.kind == "level" and t.name == stem for t in targets):
                    average.component = stem  # 投资5700亿元、增长20%: the growth of that level
                average.evidence.doubt(
                    f"各年“增长{_plain(target.value)}%”与年均增速相同，未另列 / the yearly growth repeats"
                    " the average annual growth: not drafted again",
                    0.9,
                )
                break


def _period(text: str, header: Header, targets: list[DraftTarget]) -> tuple[int, int, int, int | None]:
    stated = Counter(t.year for t in targets if t.year and not t.year_implied)
    implied = Counter(t.year for t in targets if t.year)
    counts = stated or implied
    issued = header.issued_on.year if header.issued_on else None
    if counts:
        top = max(counts.values())
        end_year = max(year for year, n in counts.items() if n == top)
    else:
        end_year = issued or dt.date.today().year
    marker = patterns().get("years", "target_year_marker").regex
    years = [int(m["year"]) for m in marker.finditer(fold(text))]
    years += [t.year for t in targets if t.year]
    latest = max(years, default=end_year)
    horizon = latest if latest > end_year else None
    start_year = (
        issued if issued is not None and issued <= end_year else min([end_year, *(y for y in years if y)])
    )
    bases = Counter(t.base_year for t in targets if t.base_year)
    base_year = bases.most_common(1)[0][0] if bases else start_year - 1
    base_year = min(base_year, start_year)
    return base_year, start_year, end_year, horizon


def _localities(text: str, header: Header, targets: list[DraftTarget]) -> list[DraftLocality]:
    province = _province_in(header.issuer) or _province_in(header.title) or _province_in(text[:3000])
    mentions = geo.find_places(fold(text), province.name if province else None)
    named: dict[str, list[str]] = {}
    first: dict[str, int] = {}
    for mention in mentions:
        if mention.division.level == "province":
            continue
        named.setdefault(mention.division.name, [])
        if mention.text not in named[mention.division.name]:
            named[mention.division.name].append(mention.text)
        first.setdefault(mention.division.name, mention.start)
    out: list[DraftLocality] = []
    codes: dict[str, str] = {}

    def add(division: geo.Division, pilot: bool, evidence: Evidence, mentioned: list[str]) -> None:
        codes[division.name] = f"L{len(codes) + 1:02d}"
        parent = codes.get(division.parent) if division.parent else None
        out.append(
            DraftLocality(
                codes[division.name], division.name, division.level, parent, pilot, False, mentioned, evidence
            )
        )

    if province is not None:
        evidence = Evidence("", province.name)
        add(province, False, evidence, [province.short])
    wanted: list[geo.Division] = []
    for name in named:
        division = geo.by_name(name, province.name if province else None)
        assert division is not None
        for ancestor in reversed(geo.ancestors(division)):
            if ancestor not in wanted and ancestor.name not in codes:
                wanted.append(ancestor)
        if division not in wanted:
            wanted.append(division)
    for division in wanted:
        if division.name in codes:
            continue
        pilot = division.name in named
        start = first.get(division.name, -1)
        quote = _sentence_at(text, start) if start >= 0 else division.name
        evidence = Evidence("", quote, start, 0.8)
        if not pilot:
            evidence.doubt(
                f"文中未点名{division.name}，因其下级被点名而列入 / listed as the parent of a named place",
                0.8,
            )
        add(division, pilot, evidence, named.get(division.name, []))
    if not any(loc.pilot for loc in out) and province is not None:
        province_row = out[0]
        province_row.evidence.doubt(
            "文中未点名地区：暂以全省各地级以上市为报送单位，请核对 / no place named: every city of the province reports",
            0.5,
        )
        for division in geo.divisions():
            if division.parent == province.name and division.level == "city":
                add(division, True, Evidence("", division.name, -1, 0.8), [])
    if not out:
        evidence = Evidence("", header.region, -1, 0.4)
        evidence.doubt("文中未写明地区：请填写方案覆盖的地区 / no place named: give the plan's region", 0.4)
        out.append(DraftLocality("L01", header.region, "province", None, True, False, [], evidence))
    by_code = {loc.code: loc for loc in out}
    for loc in out:  # a pilot city with a pilot district: its figures include the district's
        if loc.pilot and loc.parent and by_code[loc.parent].pilot:
            parent = by_code[loc.parent]
            parent.figures_include_children = True
            parent.evidence.doubt(
                f"{parent.name}与其下辖的{loc.name}均为报送单位：按统计惯例，{parent.name}的数据包含{loc.name}，请核对"
                f" / {parent.name}'s figures are read as including {loc.name}'s",
                0.6,
            )
    return out


def _sentence_at(text: str, start: int) -> str:
    left = max(text.rfind("。", 0, start), text.rfind("\n", 0, start)) + 1
    right_candidates = [i for i in (text.find("。", start), text.find("\n", start)) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    return text[left:right].strip().rstrip("\n")


def _locality_targets(targets: list[DraftTarget], localities: list[DraftLocality]) -> None:
    """A target over named places (珠海、佛山……等6个): one each, as the places' own targets."""
    by_name = {loc.name: loc for loc in localities}
    result: list[DraftTarget] = []
    for target in targets:
        result.append(target)
        if not target.indicator or target.indicator.startswith("@"):
            continue
        parts = target.indicator.split("|")
        target.indicator = ""
        matched: list[DraftLocality] = []
        for part in parts:
            hits = [m for m in geo.find_places(part, None) if m.division.level != "province"]
            hits = hits or [
                m for m in geo.find_places(part, _province_name(localities)) if m.division.level != "province"
            ]
            if hits and hits[-1].division.name in by_name:
                matched.append(by_name[hits[-1].division.name])
        if len(matched) != len(parts) or Decimal(len(matched)) != target.value:
            continue
        counts: Counter[str] = Counter()
        by_code = {loc.code: loc for loc in localities}
        for loc in matched:
            counts[loc.code] += 1
            parent = by_code.get(loc.parent) if loc.parent else None
            if parent is not None and parent.figures_include_children and parent in matched:
                counts[parent.code] += 1
        for loc in matched:
            evidence = Evidence(target.evidence.clause, target.evidence.quote, target.evidence.start, 0.6)
            evidence.doubt(
                f"按原文列举推得{loc.name}的目标（{counts[loc.code]}）/ {loc.name}'s target read from the list",
                0.6,
            )
            if target.year_implied:
                evidence.doubt(
                    "原文此句未写年份，暂按方案期末计 / the sentence gives no year: the plan's end year", 0.6
                )
            result.append(
                DraftTarget(
                    name=target.name,
                    value=Decimal(counts[loc.code]),
                    unit=target.unit,
                    year=target.year,
                    year_implied=target.year_implied,
                    qualifier=target.qualifier,
                    kind=target.kind,
                    base_year=target.base_year,
                    base_value=None,
                    base_implied=False,
                    task=target.task,
                    scope=loc.code,
                    evidence=evidence,
                    indicator="@" + target.name,  # the same indicator as the region target
                )
            )
    targets[:] = result


def _province_name(localities: list[DraftLocality]) -> str | None:
    return next((loc.name for loc in localities if loc.level == "province"), None)
