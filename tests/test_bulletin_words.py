"""The office's own words (总体评价, 主要做法和成效, 存在问题, 下一步工作): prefilled from the content with
the evaluation's numbers and verdict words, placed in the outline the DOCX and PDF share; a draft has
no number, an issued bulletin carries its number, 文号, 签发人, 主送 and 抄送. Without a database."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace

import docx

from planwatch.core.bulletin import (
    IssueInfo,
    MilestoneRow,
    OfficeWords,
    SupervisionInput,
    build_content,
    prefill,
    preview,
)
from planwatch.core.bulletin.content import TO_WRITE
from planwatch.core.bulletin.docx import build_docx
from planwatch.core.bulletin.tables import outline
from planwatch.core.evaluation.labels import PACE_ZH
from tests.test_bulletin_content import make_input

OVERDUE = MilestoneRow(
    "Y", "T1", "遴选示范项目", "省经信委", dt.date(2019, 5, 31), "overdue", "已逾期", 30, 40
)


def test_the_words_are_prefilled_with_the_lagging_and_the_overdue_and_their_numbers():
    c = build_content(make_input(supervision=SupervisionInput(4, (OVERDUE,))))
    words = prefill(c)
    # 存在问题: the region's lagging indicators (with their gap to 时序进度 where known), the locality
    # with a seriously lagging indicator, the overdue milestones counted per locality and named
    assert f"全区域进度{PACE_ZH['lagging']}的指标1项：A 项目数。" in words.problems
    assert "乙区有1项指标严重滞后" in words.problems
    assert "逾期节点1个（乙区1个）：乙区 任务T1 遴选示范项目（逾期30天）。" in words.problems
    # a seriously lagging one is said with its one-line reason (explain), as in the warnings
    serious = replace(c, warnings=tuple(replace(w, pace="seriously_lagging") for w in c.warnings))
    short = next(w.short for w in c.warnings if w.kind == "indicator")
    assert f"全区域进度{PACE_ZH['seriously_lagging']}的指标1项：{short}。" in prefill(serious).problems
    # 总体评价: the overview's counts, the ranking's first and last
    assert c.overview in words.assessment and "甲市居首，乙区列末位" in words.assessment
    # 下一步工作 names what lags; the passages the province writes are marked
    assert "进度滞后的1项指标" in words.next_steps and "逾期的1个行动计划节点" in words.next_steps
    assert all(TO_WRITE in text for text in (words.assessment, words.measures, words.next_steps))
    assert TO_WRITE not in words.problems  # the problems are the evaluation's own


def test_the_sections_take_their_place_in_the_outline_and_blank_ones_are_left_out():
    words = OfficeWords(assessment="总体平稳。", measures="", problems="甲\n\n乙", next_steps="加强调度。")
    c = build_content(make_input(words=words))
    headings = [b.text for b in outline(c) if b.kind == "heading"]
    assert headings[0] == "一、总体评价"
    assert "主要做法和成效" not in " ".join(headings)  # blank: left out
    assert headings[-3:] == ["七、存在问题", "八、下一步工作", "九、数据来源"]
    paras = [b.text for b in outline(c) if b.kind == "para"]
    assert "甲" in paras and "乙" in paras  # a paragraph per line


def test_a_draft_has_no_number_an_issued_one_has_its_number_and_addressees():
    draft = build_content(replace(make_input(), serial=None))
    assert draft.subtitle == "2018年度（草稿，未签发）" and draft.draft
    assert "草稿" in draft.header_label
    issue = IssueInfo(
        "粤经信函〔2019〕12号",
        "广东省经济和信息化委员会",
        "张三",
        dt.date(2019, 7, 1),
        to=("甲市", "乙区"),
        copies=("省政府办公厅",),
    )
    issued = build_content(replace(make_input(issue=issue, series="专报"), serial=1))
    assert issued.subtitle == "2018年度专报（第1期）"
    assert issued.heading_lines[:4] == (
        "广东省经济和信息化委员会",
        "粤经信函〔2019〕12号",
        "签发人：张三",
        "2019年7月1日",
    )
    blocks = outline(issued)
    assert blocks[0].kind == "address" and blocks[0].text == "主送：甲市、乙区"
    assert blocks[-1].kind == "address" and blocks[-1].text == "抄送：省政府办公厅"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(build_docx(issued))).paragraphs)
    assert "粤经信函〔2019〕12号" in text and "主送：甲市、乙区" in text and "2018年度专报（第1期）" in text


def test_the_tables_stay_the_runs_whatever_the_words():
    plain = build_content(make_input())
    worded = replace(plain, words=OfficeWords(problems="问题很多。"))
    tables = [b.table for b in outline(plain) if b.table is not None]
    assert tables == [b.table for b in outline(worded) if b.table is not None]


def test_one_unit_ranked_is_no_first_and_last():
    """A first and a last of one are the same unit: the words and the note say only that it was ranked."""
    c = build_content(make_input())
    one = replace(c, ranking=c.ranking[:1])
    words = prefill(one)
    assert "列末位" not in words.assessment and "仅" in words.assessment


def test_a_kept_preview_shows_the_words_as_edited_after_it_was_kept():
    """A draft's page keeps the preview built with its files (core.bulletin.preview): read back from
    its JSON and filled with words edited since, it is the outline the files would have."""
    issue = IssueInfo(
        "粤经信函〔2019〕12号", "广东省经济和信息化委员会", "张三", dt.date(2019, 7, 1), to=("甲市",)
    )
    built = build_content(replace(make_input(issue=issue, words=OfficeWords(assessment="初稿。")), serial=1))
    kept = preview.from_data(json.loads(json.dumps(preview.to_data(preview.preview_of(built)))))
    assert kept is not None and kept.title == built.title and kept.heading_lines == built.heading_lines
    assert kept.blocks(built.words) == outline(built)
    edited = OfficeWords(assessment="改定。", problems="甲\n\n乙", next_steps="加强调度。")
    assert kept.blocks(edited) == outline(replace(built, words=edited))
    assert [b.text for b in kept.blocks(edited) if b.kind == "heading"][0] == "一、总体评价"
    assert preview.from_data({"version": preview.VERSION + 1}) is None  # another shape: made again
    assert preview.from_data({"version": preview.VERSION, "title": 1}) is None
