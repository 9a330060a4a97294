"""`planwatch evaluate` and `planwatch evaluations`: formats, parameters, refusals, reuse."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from planwatch.core import numbers
from planwatch.evaluation.models import EvaluationRun
from planwatch.reporting.models import ReportedValue

SHEETS = ["Ranking", "Dimensions", "Indicators", "Region", "Sensitivity", "Run"]
NAMES_ZH = ["珠海市", "佛山市", "中山市", "江门市", "阳江市", "肇庆市", "顺德区"]


def evaluate(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_table_shows_the_ranking_and_the_region_with_chinese_names(sampled):
    out, err = evaluate("--year", "2018")
    run = EvaluationRun.objects.get()
    assert f"stored run #{run.pk}" in err
    assert f"Evaluation run #{run.pk}" in out and "2018年" in out
    assert "综合排名" in out and "区域指标" in out
    for name in NAMES_ZH:
        assert name in out
    assert "创新能力" in out and "资源配置" in out  # the dimensions by name
    assert run.data_hash[:12] in out and "示例数据" in out  # the data version, the sample caveat
    ranking = out.split("综合排名")[1].split("区域指标")[0]
    ranks = [int(m) for m in re.findall(r"^\s*(\d)\*?△?\s", ranking, flags=re.M)]
    assert ranks == [s["rank"] for s in run.results["composite"]["scores"]]
    first = next(s for s in run.results["composite"]["scores"] if s["rank"] == 1)
    assert re.search(rf"^\s*1\*?△?\s+\S+\s+{numbers.score(first['score'])}", ranking, flags=re.M)
    energy = next(line for line in out.split("区域指标")[1].splitlines() if line.startswith("I29"))
    assert "不适用" in energy
    # the binding indicators come first: I29 passed or failed at each pilot unit
    binding = out.split("约束性指标 Binding indicators")[1].split("综合排名")[0]
    assert out.index("约束性指标 Binding indicators") < out.index("综合排名")
    assert next(line for line in binding.splitlines() if line.startswith("I29")).count("达标") == 7
    assert "排名区间" in out  # sensitivity on by default


def test_the_table_columns_line_up_in_terminal_columns(sampled):
    """Chinese characters take two terminal columns: every right-aligned cell ends where its rule does."""
    import unicodedata

    def columns(line: str) -> str:  # one character per terminal column
        return "".join(ch * 2 if unicodedata.east_asian_width(ch) in "WF" else ch for ch in line)

    out, _ = evaluate("--year", "2018")
    table = out.split("综合排名 Composite ranking\n")[1].split("\n\n")[0].splitlines()[:9]
    rule = table[1]
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
    assert len(spans) == 11  # rank, locality, score, five dimensions, change, range, held share
    for line in (columns(row) for row in table[2:9]):
        for k, (_, end) in enumerate(spans):
            if k == 1:
                continue  # the locality is left-aligned
            assert line[end - 1] != " " and (end == len(line) or line[end] == " "), (line, k)


def test_json_is_the_stored_run_with_its_data_version_and_parameters(sampled):
    out, _ = evaluate("--year", "2018", "--format", "json", "--label", "2018年度通报")
    data = json.loads(out)
    run = EvaluationRun.objects.get()
    assert data["id"] == run.pk and data["year"] == 2018 and data["label"] == "2018年度通报"
    assert data["results"] == run.results
    assert data["data_version"] == run.data_version and data["parameters"] == run.parameters
    assert data["includes_unaccepted"] is False and data["sample"] is True
    assert [c["code"] for c in data["caveats"]] == ["sample"]
    assert data["input_hash"] == run.input_hash and data["results_hash"] == run.results_hash


def test_json_to_a_file(sampled, tmp_path: Path):
    target = tmp_path / "run.json"
    out, err = evaluate("--year", "2018", "--format", "json", "-o", str(target), "--no-sensitivity")
    assert out == "" and str(target) in err
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["results"]["sensitivity"] is None and data["parameters"]["sensitivity"] is None


def test_xlsx_has_the_sheets_and_the_runs_ranking(sampled, tmp_path: Path):
    target = tmp_path / "run.xlsx"
    evaluate("--year", "2018", "--format", "xlsx", "-o", str(target))
    run = EvaluationRun.objects.get()
    book = load_workbook(target)
    assert set(SHEETS) <= set(book.sheetnames) and book.sheetnames[:2] == ["Binding", "Ranking"]
    rows = list(book["Ranking"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:4] == ("rank", "locality", "locality_zh", "score")
    expected = [(s["rank"], s["locality"], s["score"]) for s in run.results["composite"]["scores"]]
    assert [(r[0], r[1], r[3]) for r in body] == expected
    assert "caveat" in header and all("示例数据" in r[header.index("caveat")] for r in body)
    indicators = list(book["Indicators"].iter_rows(values_only=True))
    assert len(indicators) - 1 == sum(1 for r in run.results["indicators"] if r["scope"] != "region")
    region = {r[0]: r for r in book["Region"].iter_rows(min_row=2, values_only=True)}
    region_header = next(book["Region"].iter_rows(max_row=1, values_only=True))
    assert region["I29"][region_header.index("outcome")] == "not_applicable"
    assert book["Sensitivity"].max_row == 8
    items = {r[0]: r[1] for r in book["Run"].iter_rows(min_row=2, values_only=True)}
    assert items["id"] == run.pk and items["data_version.sha256"] == run.data_hash
    assert items["includes_unaccepted"] is False and items["input_hash"] == run.input_hash
    assert json.loads(items["parameters_json"]) == run.parameters


def test_xlsx_needs_a_file(sampled):
    with pytest.raises(CommandError, match="-o FILE.xlsx"):
        evaluate("--year", "2018", "--format", "xlsx")


def test_method_normalization_and_weights_are_stored(sampled):
    evaluate("--year", "2018", "--method", "topsis", "--normalization", "minmax", "--weights", "entropy")
    composite = EvaluationRun.objects.get().parameters["composite"]
    assert composite["method"] == "topsis" and composite["normalization"] == "min_max"
    assert composite["weights"]["indicators"] == "entropy"


def test_ahp_from_a_file(sampled, tmp_path: Path):
    codes = ["innovation", "quality", "policy", "coordination", "resources"]
    matrix = [[1, 3, 3, 3, 3]] + [["1/3", 1, 1, 1, 1] for _ in range(4)]
    path = tmp_path / "ahp.json"
    path.write_text(json.dumps({"dimensions": {"codes": codes, "matrix": matrix}}), encoding="utf-8")
    evaluate("--year", "2018", "--weights", "ahp", "--ahp-file", str(path), "--no-sensitivity")
    run = EvaluationRun.objects.get()
    assert run.parameters["composite"]["weights"]["dimensions"] == "ahp"
    assert run.results["composite"]["dimension_weights"][0]["weight"] == pytest.approx(3 / 7)


def test_inconsistent_ahp_is_a_command_error(sampled, tmp_path: Path):
    codes = ["innovation", "quality", "policy", "coordination", "resources"]
    matrix: list[list[object]] = [[1] * 5 for _ in codes]
    matrix[0][1], matrix[1][0] = 9, "1/9"
    matrix[1][2], matrix[2][1] = 9, "1/9"
    matrix[2][0], matrix[0][2] = 9, "1/9"
    path = tmp_path / "ahp.json"
    path.write_text(json.dumps({"dimensions": {"codes": codes, "matrix": matrix}}), encoding="utf-8")
    with pytest.raises(CommandError, match=r"(?s)一致性.*CR = \d"):
        evaluate("--year", "2018", "--weights", "ahp", "--ahp-file", str(path))
    assert not EvaluationRun.objects.exists()


def test_unreadable_files_and_bad_parameters_are_command_errors(sampled, tmp_path: Path):
    with pytest.raises(CommandError, match="cannot read"):
        evaluate("--year", "2018", "--ahp-file", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not UTF-8 JSON"):
        evaluate("--year", "2018", "--ahp-file", str(broken))
    with pytest.raises(CommandError, match="expert-file"):
        evaluate("--year", "2018", "--weights", "expert")
    with pytest.raises(CommandError, match="2016–2025"):
        evaluate("--year", "2031")
    with pytest.raises(CommandError, match="no such plan"):
        evaluate("--year", "2018", "--plan", "nope")
    assert not EvaluationRun.objects.exists()


def test_include_submitted_marks_the_run_everywhere(sampled, tmp_path: Path):
    ReportedValue.objects.filter(indicator__code="I01", locality__code="ZH", period__code="2018").update(
        status=ReportedValue.Status.SUBMITTED
    )
    out, _ = evaluate("--year", "2018", "--include-submitted", "--no-sensitivity")
    assert "含未确认数据" in out and "accepted/approved/submitted" in out
    run = EvaluationRun.objects.get()
    assert run.includes_unaccepted
    data = json.loads(
        evaluate("--year", "2018", "--include-submitted", "--no-sensitivity", "--format", "json")[0]
    )
    assert data["id"] == run.pk and data["includes_unaccepted"] is True
    assert "includes_unaccepted" in [c["code"] for c in data["caveats"]]
    target = tmp_path / "run.xlsx"
    evaluate(
        "--year", "2018", "--include-submitted", "--no-sensitivity", "--format", "xlsx", "-o", str(target)
    )
    book = load_workbook(target)
    items = {r[0]: r[1] for r in book["Run"].iter_rows(min_row=2, values_only=True)}
    assert items["includes_unaccepted"] is True and "含未确认数据" in items["caveat_includes_unaccepted"]
    ranking = list(book["Ranking"].iter_rows(values_only=True))
    assert all("含未确认数据" in row[ranking[0].index("caveat")] for row in ranking[1:])
    listing = io.StringIO()
    call_command("evaluations", stdout=listing)
    assert "含未确认" in listing.getvalue()


def test_an_identical_run_is_shown_not_stored_again_unless_new(sampled):
    evaluate("--year", "2018", "--no-sensitivity")
    out, err = evaluate("--year", "2018", "--no-sensitivity")
    assert "reused stored run" in err and "reused" in out
    assert EvaluationRun.objects.count() == 1
    evaluate("--year", "2018", "--no-sensitivity", "--new")
    assert EvaluationRun.objects.count() == 2


def test_evaluations_lists_the_stored_runs(sampled):
    empty = io.StringIO()
    call_command("evaluations", stdout=empty)
    assert "no evaluation runs" in empty.getvalue()
    evaluate("--year", "2018", "--no-sensitivity", "--label", "年度通报")
    evaluate("--year", "2017", "--method", "topsis")
    out = io.StringIO()
    call_command("evaluations", stdout=out)
    lines = out.getvalue().splitlines()
    runs = list(EvaluationRun.objects.all())  # newest first
    assert lines[2].split()[0] == str(runs[0].pk) and lines[3].split()[0] == str(runs[1].pk)
    assert "topsis · target · equal/plan · binding mark · ±20% × 1000" in lines[2]
    assert "weighted_sum · target · equal/plan · binding mark · no sensitivity" in lines[3]
    assert runs[1].data_hash[:12] in lines[3] and "年度通报" in lines[3] and "示例" in lines[3]
    only = io.StringIO()
    call_command("evaluations", "--year", "2017", stdout=only)
    assert len(only.getvalue().splitlines()) == 3


def test_binding_cap_ranks_the_failing_localities_last_and_is_stored(sampled):
    evaluate("--year", "2019", "--binding", "cap", "--no-sensitivity", "--format", "json")
    run = EvaluationRun.objects.get()
    assert run.parameters["composite"]["binding"] == "cap"
    failing = {c["locality"] for c in run.results["binding"] if c["status"] == "fail"}
    scores = run.results["composite"]["scores"]
    assert failing and len(failing) < len(scores)
    passing_ranks = [s["rank"] for s in scores if s["locality"] not in failing]
    failing_ranks = [s["rank"] for s in scores if s["locality"] in failing]
    assert max(passing_ranks) < min(failing_ranks)
    assert all(s["binding_failed"] == ["I29"] for s in scores if s["locality"] in failing)
    with pytest.raises(CommandError):
        evaluate("--year", "2019", "--binding", "drop")
