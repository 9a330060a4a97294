"""The bulletin's content model and charts from plain data, without a database."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from planwatch.core.bulletin import (
    BulletinInput,
    LateRow,
    MapShape,
    MilestoneRow,
    Names,
    RunInfo,
    SupervisionInput,
    TrendPoint,
    build_content,
    cjk_font,
    draw_charts,
    render,
)
from planwatch.core.bulletin.tables import outline
from planwatch.core.evaluation import (
    AnnualVerdict,
    BindingCheck,
    BindingConsequence,
    BindingStatus,
    CompositeMethod,
    CompositeResult,
    DimensionScore,
    DimensionWeight,
    Evaluation,
    EvaluationParameters,
    ExcludedLocality,
    IncludedLocality,
    IndicatorResult,
    LocalityScore,
    MethodRanking,
    MissingPolicy,
    Normalization,
    SensitivityResult,
    WeightMethod,
)
from tests.results import indicator_result


def result(
    indicator: str,
    scope: str,
    *,
    completion: float | None = None,
    pace: str | None,
    outcome: str = "evaluated",
    annual: AnnualVerdict | None = None,
) -> IndicatorResult:
    return indicator_result(
        indicator,
        scope,
        year=2018,
        outcome=outcome,
        pace=pace,
        value=None if completion is None else completion * 100,
        target=None if outcome == "not_applicable" else 100.0,
        target_year=2019,
        completion=completion,
        annual=annual,
    )


def score(
    locality: str, value: float, rank: int, previous: int, dimension: float, missing=()
) -> LocalityScore:
    return LocalityScore(
        locality=locality,
        score=value,
        rank=rank,
        tied=False,
        previous_rank=previous,
        rank_change=previous - rank,
        dimensions=(DimensionScore("d1", dimension, rank),),
        missing_indicators=tuple(missing),
    )


def results() -> Evaluation:
    rows = (
        result("A", "X", completion=1.2, pace="ahead"),
        result("A", "Y", completion=0.4, pace="seriously_lagging"),
        result("A", "region", completion=0.8, pace="lagging"),
        result("B", "X", completion=0.7, pace="on_pace"),
        result("B", "Y", completion=None, pace=None, outcome="missing_data"),
        result("B", "region", completion=None, pace=None, outcome="not_applicable"),
    )
    composite = CompositeResult(
        year=2018,
        normalization=Normalization.TARGET,
        method=CompositeMethod.WEIGHTED_SUM,
        missing=MissingPolicy.WORST,
        indicator_weighting=WeightMethod.EQUAL,
        dimension_weighting=WeightMethod.PLAN,
        dimension_weights=(DimensionWeight("d1", 1.0),),
        weights=(),
        scores=(score("X", 0.91, 1, 2, 0.9), score("Y", 0.52, 2, 1, 0.5, missing=["B"])),
    )
    return Evaluation(
        year=2018,
        parameters=EvaluationParameters(),
        indicators=rows,
        region=(),
        composite=composite,
        sensitivity=None,
    )


def make_input(
    *, sample: bool = False, unaccepted: bool = False, supervision=None, late=(), **extra
) -> BulletinInput:
    run = RunInfo(
        id=7,
        year=2018,
        created_at="2019-05-01T10:00:00+08:00",
        parameters="weighted_sum · target · equal/plan · no sensitivity",
        statuses=("accepted", "submitted") if unaccepted else ("accepted",),
        includes_unaccepted=unaccepted,
        sample=sample,
        data_sha256="ab" * 32,
        data_count=6,
        data_as_of="2019-04-30T12:00:00+08:00",
        targets_sha256="cd" * 32,
        plan_version=1,
        input_hash="ef" * 32,
        results_hash="01" * 32,
        engine_version="test",
    )
    return BulletinInput(
        plan_code="demo",
        plan_title="示范城市群实施方案",
        region="示范区",
        issuer="测试",
        period_code="2018",
        period_label="2018年度",
        serial=3,
        as_of=dt.date(2019, 6, 30),
        run=run,
        results=results(),
        names=Names(
            localities={"X": "甲市", "Y": "乙区"},
            indicators={"A": "项目数", "B": "平台数"},
            dimensions={"d1": "创新能力"},
            units={"A": "个", "B": "家"},
        ),
        pilots=("X", "Y"),
        end_year=2019,
        supervision=supervision,
        late=tuple(late),
        **extra,
    )


def test_overall_progress_counts_each_indicator_in_one_class():
    c = build_content(make_input())
    assert dict(c.counts) == {
        "ahead": 0,
        "on_pace": 0,
        "lagging": 1,
        "seriously_lagging": 0,
        "met": 0,
        "nearly_met": 0,
        "not_met": 0,
        "no_target": 0,
        "none": 0,
    }
    by_locality = dict(c.locality_pace_counts)
    # by pace (ahead, on pace, lagging, seriously, none), then by annual verdict (met … no target)
    assert by_locality["X"] == (1, 1, 0, 0, 0, 0, 0, 0, 0)  # A ahead, B on pace
    assert by_locality["Y"] == (0, 0, 0, 1, 1, 0, 0, 0, 0)  # A seriously lagging, B missing
    assert "1项可评估指标" in c.overview
    assert [h.indicator for h in c.headlines] == ["A"]  # B has no region target


def test_ranking_and_warnings_name_the_lagging():
    c = build_content(make_input())
    assert [(r.rank, r.name, r.score, r.change) for r in c.ranking] == [
        (1, "甲市", 0.91, 1),
        (2, "乙区", 0.52, -1),
    ]
    texts = [w.text for w in c.warnings]
    assert any(t.startswith("A 项目数：全区域进度滞后") for t in texts)
    assert any(t.startswith("乙区有1项指标严重滞后") for t in texts)
    assert c.title == "示范城市群工作进展情况通报"
    assert c.subtitle == "2018年度（第3期）"


def test_a_unit_left_out_of_the_ranking_is_named():
    data = results()
    assert data.composite is not None
    composite = replace(
        data.composite, excluded=(ExcludedLocality("Y", ("A", "B")),), scores=data.composite.scores[:1]
    )
    c = build_content(replace(make_input(), results=replace(data, composite=composite)))
    assert [r.name for r in c.ranking] == ["甲市"]
    assert c.ranking_note.endswith("乙区本期缺少数值，未参与排名。")


def test_notices_for_sample_and_unaccepted_data():
    plain = build_content(make_input())
    assert plain.notices == ()
    flagged = build_content(make_input(sample=True, unaccepted=True))
    assert any(n.startswith("示例数据") for n in flagged.notices)
    assert any(n.startswith("含未确认数据") for n in flagged.notices)
    assert flagged.header_label.startswith("示例数据 · 含未确认数据")


def test_supervision_section_absent_empty_or_counted():
    assert build_content(make_input()).supervision is None
    headings = [b.text for b in outline(build_content(make_input())) if b.kind == "heading"]
    assert not any("督查" in h for h in headings)
    empty = build_content(make_input(supervision=SupervisionInput(0, ())))
    assert empty.supervision is not None and "尚未录入" in empty.supervision.summary
    row = MilestoneRow(
        "Y", "T1", "遴选示范项目", "省经信委", dt.date(2019, 5, 31), "overdue", "已逾期", 30, 40
    )
    full = build_content(make_input(supervision=SupervisionInput(4, (row,))))
    assert full.supervision is not None
    assert full.supervision.by_locality == (("X", 0, 0), ("Y", 1, 0))
    assert "共4个节点" in full.supervision.summary and "逾期1个" in full.supervision.summary


def test_late_reporters_are_named_latest_first():
    late = [
        LateRow("X", "2018", dt.date(2019, 3, 31), 2, 2, dt.date(2019, 4, 10), 10),
        LateRow("Y", "2018", dt.date(2019, 3, 31), 2, 1, None, 91),
    ]
    c = build_content(make_input(late=late))
    assert [r.locality for r in c.late] == ["Y", "X"]
    assert "2个地区迟报" in c.late_summary and "乙区、甲市" in c.late_summary


def test_the_font_is_found():
    family, path = cjk_font()
    assert family == "Noto Sans CJK SC"
    assert path.exists()


def test_charts_and_annex_from_plain_data():
    square = (((113.0, 22.0), (113.5, 22.0), (113.5, 22.5), (113.0, 22.5)),)
    trend = (TrendPoint(2017, "X", 0.8, 2, 6), TrendPoint(2017, "Y", 0.85, 1, 6))
    trend += (TrendPoint(2018, "X", 0.91, 1, 7), TrendPoint(2018, "Y", 0.52, 2, 7))
    c = build_content(make_input(trend=trend))
    charts = draw_charts(c, (MapShape("X", polygons=(square,)), MapShape("Y", point=(113.2, 22.2))))
    assert [ch.key for ch in charts] == ["ranking", "map", "trend"]
    assert all(ch.png.startswith(b"\x89PNG") and len(ch.png) > 5000 for ch in charts)
    book = load_workbook(io.BytesIO(render(c.with_charts(charts), "xlsx")))
    ranking = list(book["排名 Ranking"].iter_rows(values_only=True))
    assert ranking[1][:4] == (1, "X", "甲市", 0.91)
    assert [r[0] for r in book["趋势 Trend"].iter_rows(min_row=2, values_only=True)] == [
        2017,
        2017,
        2018,
        2018,
    ]


def test_unknown_format_is_refused():
    from planwatch.core.bulletin import BulletinError

    with pytest.raises(BulletinError, match="docx, pdf, xlsx"):
        render(build_content(make_input()), "odt")


def binding_results(year: int) -> Evaluation:
    """I29-like: a binding indicator with a final target for 2019. In 2018, no 2018 target: X on pace,
    Y without a pace; in 2019, X not met and Y nearly met (which is not met for a binding target). The
    region has no target of its own (not applicable)."""
    final = year >= 2019
    x_annual = AnnualVerdict.NOT_MET if final else AnnualVerdict.NO_TARGET
    y_annual = AnnualVerdict.NEARLY_MET if final else AnnualVerdict.NO_TARGET
    rows = (
        replace(result("E", "X", pace=None if final else "on_pace", annual=x_annual), year=year),
        replace(result("E", "Y", completion=None, pace=None, annual=y_annual), year=year),
        replace(result("E", "region", completion=None, pace=None, outcome="not_applicable"), year=year),
    )
    status = BindingStatus.FAIL if final else BindingStatus.NO_TARGET
    checks = tuple(BindingCheck("E", loc, year, status, None, None) for loc in ("X", "Y"))
    return replace(results(), indicators=results().indicators + rows, binding=checks)


def test_a_binding_target_is_not_met_only_against_a_target_for_the_year():
    inp = make_input()
    before = build_content(replace(inp, results=binding_results(2018)))
    assert [w for w in before.warnings if w.kind == "binding"] == []
    cells = {c.scope: c for row in before.indicators if row.indicator == "E" for c in row.cells}
    from planwatch.core.bulletin.content import status_zh

    assert status_zh(cells["X"]) == "符合序时进度"  # judged by its pace, as table 4 shows it
    assert status_zh(cells["Y"]) == "无年度目标"  # not "约束性未达标" without a 2018 target
    reached = build_content(replace(inp, results=binding_results(2019), run=replace(inp.run, year=2019)))
    binding = [w.text for w in reached.warnings if w.kind == "binding"]
    assert binding == ["甲市 E E（约束性指标）未达标。", "乙区 E E（约束性指标）未达标。"]


def test_section_seven_says_the_run_in_words_and_plain_times():
    from planwatch.core.bulletin.tables import run_lines

    inp = make_input()
    run = replace(
        inp.run,
        parameters="加权求和 · 目标值标准化 · 指标等权、维度方案权重 · 敏感性 ±20% × 1000次",
        engine_version="planwatch 0.1.0; evaluation 1; numpy 2.4.6",
        created_at="2019-05-01T10:00:00.176+08:00",
    )
    c = build_content(replace(inp, run=run))
    lines = run_lines(c)
    text = "\n".join(lines)
    assert "评估参数：加权求和 · 目标值标准化" in text
    assert "读取数值状态：已确认" in text and "accepted" not in text
    assert "创建于 2019-05-01 10:00" in text and "截至 2019-04-30 12:00" in text
    assert "T10:00" not in text and "+08:00" not in text
    assert lines[-1] == "软件版本：PlanWatch 0.1.0，评估方法第1版，NumPy 2.4.6"
    assert "截至 2019-04-30 12:00）" in c.heading_lines[-1]


def test_the_annex_keeps_exact_numbers_with_percent_and_score_formats():
    c = build_content(make_input())
    book = load_workbook(io.BytesIO(render(c, "xlsx")))
    sheet = book["指标 Indicators"]
    header = [cell.value for cell in sheet[1]]
    completion = header.index("完成度 completion")
    cells = [row[completion] for row in sheet.iter_rows(min_row=2) if row[completion].value is not None]
    assert [cell.value for cell in cells][:2] == [1.2, 0.4]  # exact, not rounded text
    assert {cell.number_format for cell in cells} == {"0.0%"}
    headline = next(book["主要指标 Headlines"].iter_rows(min_row=2))
    assert headline[6].value == 0.8 and headline[6].number_format == "0.0%"
    ranking = next(book["排名 Ranking"].iter_rows(min_row=2))
    assert ranking[3].value == 0.91 and ranking[3].number_format == "0.000"
    assert ranking[4].value == 0.9 and ranking[4].number_format == "0.000"  # the dimension score
    assert ranking[0].number_format == "General"  # the rank stays an integer


def test_the_annex_sheets_keep_their_header_style_widths_dates_and_red_notices():
    """Every sheet: a bold header on grey, wrapped, frozen under it, columns 8 to 60 wide from their
    longest text; dates shown yyyy-mm-dd; the first sheet's notices (提示) in red; the properties."""
    milestone = MilestoneRow(
        "Y", "T1", "遴选示范项目", "省经信委", dt.date(2019, 5, 31), "overdue", "已逾期", 30, 40
    )
    late = [LateRow("X", "2018", dt.date(2019, 3, 31), 2, 2, dt.date(2019, 4, 10), 10)]
    c = build_content(
        make_input(sample=True, unaccepted=True, supervision=SupervisionInput(4, (milestone,)), late=late)
    )
    data = render(c, "xlsx")
    assert render(c, "xlsx") == data  # the same bytes when built again
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        for cell in sheet[1]:
            assert cell.font.bold and cell.fill.fgColor.rgb == "00D9D9D9", (sheet.title, cell.value)
            assert cell.alignment.wrap_text and cell.alignment.vertical == "center"
            assert 8 <= sheet.column_dimensions[cell.column_letter].width <= 60
    why = book["指标 Indicators"]["P"]
    assert book["指标 Indicators"].column_dimensions["P"].width == min(
        max(len(str(cell.value)) for cell in why) + 2, 60
    )
    first = {row[0].value: row[1] for row in book["通报 Bulletin"].iter_rows(min_row=2)}
    notices = [cell for label, cell in first.items() if label.startswith("提示")]
    assert len(notices) == 2 and all(cell.font.color.rgb == "00C00000" for cell in notices)
    assert not first["标题 title"].font.bold  # the other rows keep the default font
    as_of = first["截至日期 as of"]
    assert as_of.value == dt.datetime(2019, 6, 30) and as_of.number_format == "yyyy-mm-dd"
    (late_row,) = book["迟报 Late"].iter_rows(min_row=2)
    assert [late_row[k].number_format for k in (3, 6, 7)] == ["yyyy-mm-dd", "yyyy-mm-dd", "General"]
    (due,) = [row[5] for row in book["督查 Supervision"].iter_rows(min_row=2)]
    assert due.value == dt.datetime(2019, 5, 31) and due.number_format == "yyyy-mm-dd"
    assert book.properties.creator == "PlanWatch" and book.properties.title == f"{c.title} {c.subtitle}"
    assert book.properties.created == dt.datetime(2019, 6, 30)


def test_a_lagging_item_prints_the_figures_its_class_is_judged_on():
    """The pace (滞后/严重滞后) is judged on 目标进程 − 时序进度, not on the completion: I22-like, a
    level indicator 96.1% complete but 23.3 points behind the time line is seriously lagging, while a
    count 85.0% complete and 15 points behind is lagging. Each line prints the gap it is judged on,
    named, and the completion only beside it, named too."""
    from planwatch.core.bulletin.tables import headline_table, indicator_table, warning_lines

    def judged(indicator: str, completion: float, progress: float, pace: str) -> IndicatorResult:
        return replace(
            result(
                indicator,
                "region",
                completion=completion,
                pace=pace,
                annual=AnnualVerdict.NEARLY_MET if completion >= 0.9 else AnnualVerdict.NOT_MET,
            ),
            year_target=100.0,
            progress=progress,
            elapsed=2 / 3,
            pace_gap=progress - 1.0,
        )

    rows = (
        judged("L", 0.961, 0.767, "seriously_lagging"),
        judged("C", 0.85, 0.85, "lagging"),
        replace(judged("L", 0.961, 0.767, "seriously_lagging"), scope="Y"),
    )
    inp = make_input()
    inp = replace(
        inp,
        results=replace(results(), indicators=rows),
        names=replace(inp.names, indicators={"L": "技能人才数", "C": "示范企业数"}),
    )
    c = build_content(inp)
    lines = warning_lines(c)
    serious = next(line for line in lines if line.startswith("全区域进度严重滞后"))
    lagging = next(line for line in lines if line.startswith("全区域进度滞后"))
    # each with its one-line reason (planwatch.core.evaluation.explain), the same as on the dashboards
    assert (
        "L 技能人才数（2018年目标 100，实际 96.1，完成 96.1%；规划目标 100（2019年），目标进程 76.7%，"
        in serious
    )
    assert "C 示范企业数（2018年目标 100，实际 85，完成 85.0%；" in lagging
    assert "乙区有1项指标严重滞后：L 技能人才数（落后时序进度23.3个百分点）。" in lines
    # The thresholds named in words match the class: more than 20 points behind is serious.
    assert "低于时序进度为滞后，落后超过20个百分点为严重滞后" in indicator_table(c, 4).note
    # Table 1 shows 目标进程 and 时序进度 beside the status; table 4 the gap under the completion.
    t1 = headline_table(c, 1)
    row = dict(zip(t1.header, t1.rows[0], strict=True))
    assert (row["完成度"], row["目标进程"], row["时序进度"], row["进度"]) == (
        "96.1%",
        "76.7%",
        "66.7%",
        "严重滞后",
    )
    # Table 4: the annual verdict with its completion, then the gap with the progress verdict.
    t4 = indicator_table(c, 4)
    assert t4.rows[0][-1] == "96.1% 基本完成\n−23.3 严重滞后"
    assert t4.rows[1][-1] == "85.0% 未完成\n−15.0 滞后"


# --- binding indicators first and what the ranking must say (issue 14, parts 5 and 7) -------------


def with_binding_and_methods(consequence=BindingConsequence.MARK, leaders=(("X",), ("Y",))) -> BulletinInput:
    """X passes the binding indicator C, Y fails it; 乙区 (Y) is inside 甲市 (X); the leader is X by
    the run's own method and Y by entropy weights."""
    data = results()
    assert data.composite is not None
    scores = tuple(
        replace(s, binding_failed=("C",) if s.locality == "Y" else ()) for s in data.composite.scores
    )
    composite = replace(
        data.composite, scores=scores, binding=consequence, included=(IncludedLocality("Y", "X"),)
    )
    methods = tuple(
        MethodRanking(w, CompositeMethod.WEIGHTED_SUM, k == 0, (), lead, 1.0 if k == 0 else -1.0, ())
        for k, (w, lead) in enumerate(zip((WeightMethod.EQUAL, WeightMethod.ENTROPY), leaders, strict=True))
    )
    sensitivity = SensitivityResult(
        1000, 0.2, 1, CompositeMethod.WEIGHTED_SUM, (), methods, len(set(leaders)) > 1
    )
    checks = (
        BindingCheck("C", "X", 2018, BindingStatus.PASS, 3.5, 3.0),
        BindingCheck("C", "Y", 2018, BindingStatus.FAIL, 1.0, 3.0),
    )
    evaluation = replace(data, composite=composite, sensitivity=sensitivity, binding=checks)
    inp = make_input()
    names = replace(inp.names, indicators={**inp.names.indicators, "C": "能耗下降率"})
    return replace(inp, results=evaluation, names=names)


def test_the_binding_list_comes_first_in_every_format():
    c = build_content(with_binding_and_methods())
    assert [(r.indicator, [(x.locality, x.label) for x in r.cells]) for r in c.binding] == [
        ("C", [("X", "达标"), ("Y", "未达标")])
    ]
    assert "C 能耗下降率：达标1个，未达标1个（乙区）" in c.binding_summary
    headings = [b.text for b in outline(c) if b.kind == "heading"]
    assert headings[:3] == ["一、约束性指标", "二、总体进展", "三、综合评估排名"]
    first_table = next(b.table for b in outline(c) if b.kind == "table")
    assert first_table is not None and first_table.key == "binding"
    assert first_table.rows[0][2:] == ("达标\n3.5", "未达标\n1")
    book = load_workbook(io.BytesIO(render(c, "xlsx")))
    assert book.sheetnames[:2] == ["通报 Bulletin", "约束性指标 Binding"]
    assert [r[4].value for r in book["约束性指标 Binding"].iter_rows(min_row=2)] == ["达标", "未达标"]
    # without binding indicators, the sections keep their numbers
    plain = [b.text for b in outline(build_content(make_input())) if b.kind == "heading"]
    assert plain[:2] == ["一、总体进展", "二、综合评估排名"]


def test_a_failing_locality_is_marked_in_the_ranking():
    from planwatch.core.bulletin.tables import ranking_table

    c = build_content(with_binding_and_methods())
    table = ranking_table(c, 1)
    assert [row[0] for row in table.rows] == ["1", "2△"]
    assert "△约束性指标未达标" in table.note
    assert "约束性指标未达标的地区以△标注" in c.ranking_note
    capped = build_content(with_binding_and_methods(BindingConsequence.CAP))
    assert "并排在没有约束性指标未达标的地区之后" in capped.ranking_note


def test_the_bulletin_says_when_the_leader_depends_on_the_method_and_that_the_city_includes_the_district():
    c = build_content(with_binding_and_methods())
    assert (
        c.ranking_sentences[0] == "第一名随方法变化：甲市（等权·加权求和，本次采用）；乙区（熵权·加权求和）。"
    )
    assert c.ranking_sentences[1].startswith("甲市的数据包含乙区的数据")
    ranking_section = [b for b in outline(c) if b.kind == "bullets" and b.items == c.ranking_sentences]
    assert ranking_section
    book = load_workbook(io.BytesIO(render(c, "xlsx")))
    notes = [r[0].value for r in book["排名说明 Ranking notes"].iter_rows(min_row=2)]
    assert notes == list(c.ranking_sentences)
    steady = build_content(with_binding_and_methods(leaders=(("X",), ("X",))))
    assert not any(s.startswith("第一名随方法变化") for s in steady.ranking_sentences)
