"""`planwatch export_values` and `planwatch export_audit`: CSV, JSON and XLSX, read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from planwatch.demo.sample import load_sample
from planwatch.plans.models import Plan
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue
from planwatch.reporting.sample import yearly_period
from tests.audit import backdate, events

S = ReportedValue.Status
VALUE_COLUMNS = [
    "indicator",
    "locality",
    "period",
    "value",
    "status",
    "is_sample",
    "source",
    "source_detail",
    "version",
    "updated_at",
    "updated_by",
]


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "a byte order mark, so that Excel reads UTF-8"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def save(plan: Plan, user: Any, locality: str, period: Any, **values: Any) -> None:
    wf.save_values(
        user,
        plan.localities.get(code=locality),
        period,
        [
            wf.Entry(plan.indicators.get(code=c), Decimal(str(v)), expected_version=0)
            for c, v in values.items()
        ],
        via=wf.Via(source=ReportedValue.Source.API, detail="batch-7"),
    )


@pytest.fixture
def values(plan: Plan, cast: Any, period: Any) -> Plan:
    """珠海 2018: I07 and I25 accepted, I08 a draft; 佛山 2018: I07 submitted; 珠海 2017: I07 accepted."""
    save(plan, cast.zoe, "ZH", period, I07=52, I22=20, I24=7, I25="35.5")
    ReportedValue.objects.filter(locality__code="ZH").update(status=S.ACCEPTED)
    save(plan, cast.zoe, "ZH", period, I08=3)
    save(plan, cast.fred, "FS", period, I07=40)
    ReportedValue.objects.filter(locality__code="FS").update(status=S.SUBMITTED)
    p2017 = yearly_period(plan, 2017)
    save(plan, cast.zoe, "ZH", p2017, I07=30)
    ReportedValue.objects.filter(period=p2017).update(status=S.ACCEPTED)
    return plan


def keys(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["indicator"], r["locality"], r["period"]) for r in rows]


# --- export_values ------------------------------------------------------------------------------


def test_csv_to_stdout_leaves_drafts_out(values: Plan) -> None:
    out, _ = run("export_values")
    rows = read_csv(out)
    assert list(rows[0]) == VALUE_COLUMNS
    assert keys(rows) == [
        ("I07", "ZH", "2017"),
        ("I07", "FS", "2018"),
        ("I07", "ZH", "2018"),
        ("I22", "ZH", "2018"),
        ("I24", "ZH", "2018"),
        ("I25", "ZH", "2018"),
    ]
    i25 = rows[-1]
    assert i25 | {"updated_at": ""} == {
        "indicator": "I25",
        "locality": "ZH",
        "period": "2018",
        "value": "35.5",
        "status": "accepted",
        "is_sample": "false",
        "source": "api",
        "source_detail": "batch-7",
        "version": "1",
        "updated_at": "",
        "updated_by": "zoe",
    }
    assert dt.datetime.fromisoformat(i25["updated_at"]).utcoffset() == dt.timedelta(hours=8)


def test_include_drafts(values: Plan) -> None:
    rows = read_csv(run("export_values", "--include-drafts", "--period", "2018", "--locality", "ZH")[0])
    assert {(r["indicator"], r["status"]) for r in rows} >= {("I08", "draft"), ("I07", "accepted")}
    with pytest.raises(CommandError, match="--include-drafts"):
        run("export_values", "--status", "draft")
    drafts = read_csv(run("export_values", "--status", "draft", "--include-drafts")[0])
    assert keys(drafts) == [("I08", "ZH", "2018")]


@pytest.mark.parametrize("name", ["ZH", "zh", "珠海", "珠海市", "Zhuhai"])
def test_the_locality_by_code_or_name(values: Plan, name: str) -> None:
    rows = read_csv(run("export_values", "--locality", name, "--period", "2018")[0])
    assert {r["locality"] for r in rows} == {"ZH"}
    assert len(rows) == 4


def test_filters_by_period_and_indicator(values: Plan) -> None:
    rows = read_csv(run("export_values", "--period", "2017")[0])
    assert keys(rows) == [("I07", "ZH", "2017")]
    rows = read_csv(run("export_values", "--indicator", "I07", "--period", "2018")[0])
    assert keys(rows) == [("I07", "FS", "2018"), ("I07", "ZH", "2018")]
    rows = read_csv(run("export_values", "--status", "submitted")[0])
    assert keys(rows) == [("I07", "FS", "2018")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--locality", "深圳"], "no locality '深圳'"),
        (["--period", "2031"], "no period '2031'"),
        (["--indicator", "I99"], "no indicator 'I99'"),
        (["--plan", "nope"], "no such plan: nope"),
        (["--format", "xlsx"], "needs a file"),
    ],
)
def test_bad_arguments_fail(values: Plan, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("export_values", *args)


def test_no_plan_loaded(db: None) -> None:
    with pytest.raises(CommandError, match="no plan is loaded"):
        run("export_values")


def test_json(values: Plan) -> None:
    rows = json.loads(run("export_values", "--format", "json", "--period", "2018", "--locality", "珠海")[0])
    assert [r["indicator"] for r in rows] == ["I07", "I22", "I24", "I25"]
    assert [r["value"] for r in rows] == [52, 20, 7, 35.5]
    assert isinstance(rows[0]["value"], int)
    assert rows[0]["is_sample"] is False
    assert rows[0]["version"] == 1
    assert list(rows[0]) == VALUE_COLUMNS


def test_csv_and_json_to_a_file(values: Plan, tmp_path: Path) -> None:
    target = tmp_path / "values.csv"
    _, err = run("export_values", "-o", str(target))
    assert "wrote 6 value(s)" in err
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_csv(target.read_text(encoding="utf-8")) == read_csv(run("export_values")[0])
    target = tmp_path / "values.json"
    run("export_values", "--format", "json", "-o", str(target))
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 6


def test_xlsx(values: Plan, tmp_path: Path) -> None:
    target = tmp_path / "values.xlsx"
    run("export_values", "--format", "xlsx", "-o", str(target), "--period", "2018")
    sheet = load_workbook(target).active
    assert sheet is not None
    assert sheet.title == "values"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == VALUE_COLUMNS
    records = [dict(zip(VALUE_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert keys(records) == [
        ("I07", "FS", "2018"),
        ("I07", "ZH", "2018"),
        ("I22", "ZH", "2018"),
        ("I24", "ZH", "2018"),
        ("I25", "ZH", "2018"),
    ]
    assert [r["value"] for r in records] == [40, 52, 20, 7, 35.5]  # numbers, not text
    assert records[0]["is_sample"] is False
    updated = records[0]["updated_at"]
    assert isinstance(updated, dt.datetime)
    stored = ReportedValue.objects.get(locality__code="FS").updated_at
    assert abs(updated - timezone.localtime(stored).replace(tzinfo=None)) < dt.timedelta(seconds=1)
    assert sheet.freeze_panes == "A2"


def test_sample_values_are_flagged(plan: Plan) -> None:
    load_sample(plan)
    rows = read_csv(run("export_values", "--locality", "顺德", "--period", "2019", "--indicator", "I01")[0])
    assert [(r["locality"], r["is_sample"], r["source"]) for r in rows] == [("SD", "true", "sample")]


def test_blank_values_are_blank(plan: Plan, cast: Any, period: Any) -> None:
    wf.save_values(
        cast.zoe,
        plan.localities.get(code="ZH"),
        period,
        [wf.Entry(plan.indicators.get(code="I07"), None, expected_version=0)],
    )
    assert read_csv(run("export_values", "--include-drafts")[0])[0]["value"] == ""
    assert json.loads(run("export_values", "--include-drafts", "--format", "json")[0])[0]["value"] is None


# --- export_audit -------------------------------------------------------------------------------

AUDIT_COLUMNS = [
    "at",
    "user",
    "event",
    "subject",
    "action",
    "indicator",
    "locality",
    "period",
    "old_value",
    "new_value",
    "old",
    "new",
    "old_status",
    "new_status",
    "comment",
    "source",
    "source_detail",
]


@pytest.fixture
def log(plan: Plan, cast: Any, period: Any) -> Plan:
    zh = plan.localities.get(code="ZH")
    save(plan, cast.zoe, "ZH", period, I07=5)
    value = ReportedValue.objects.get()
    wf.save_values(
        cast.zack, zh, period, [wf.Entry(value.indicator, Decimal(6), expected_version=1, comment="更正")]
    )
    first, *rest = events()
    backdate(events(pk=first.pk), timezone.make_aware(dt.datetime(2019, 3, 1, 9)))
    backdate(events(pk__in=[e.pk for e in rest]), timezone.make_aware(dt.datetime(2019, 3, 2, 10)))
    return plan


def test_audit_csv_oldest_first(log: Plan) -> None:
    rows = read_csv(run("export_audit", "--subject", "value")[0])
    assert list(rows[0]) == AUDIT_COLUMNS
    assert [(r["user"], r["action"], r["old_value"], r["new_value"], r["comment"]) for r in rows] == [
        ("zoe", "save", "", "5", ""),
        ("zack", "save", "5", "6", ""),
        ("zack", "comment", "6", "6", "更正"),
    ]
    assert rows[0]["at"] == "2019-03-01T09:00:00+08:00"
    assert (rows[0]["source"], rows[0]["source_detail"], rows[1]["source"]) == ("api", "batch-7", "web")


def test_audit_since_and_until(log: Plan) -> None:
    assert len(read_csv(run("export_audit", "--subject", "value", "--since", "2019-03-02")[0])) == 2
    assert len(read_csv(run("export_audit", "--subject", "value", "--until", "2019-03-01")[0])) == 1
    assert len(read_csv(run("export_audit", "--subject", "value", "--since", "2019-03-01T09:30")[0])) == 2
    assert len(read_csv(run("export_audit", "--subject", "value", "--since", "2019-03-03")[0])) == 0
    with pytest.raises(CommandError, match="--since 'March'"):
        run("export_audit", "--subject", "value", "--since", "March")


def test_audit_json_and_xlsx(log: Plan, tmp_path: Path) -> None:
    rows = json.loads(run("export_audit", "--subject", "value", "--format", "json")[0])
    assert [(r["action"], r["old_value"], r["new_value"]) for r in rows] == [
        ("save", None, 5),
        ("save", 5, 6),
        ("comment", 6, 6),
    ]
    assert rows[0]["at"] == "2019-03-01T09:00:00+08:00"
    with pytest.raises(CommandError, match="needs a file"):
        run("export_audit", "--subject", "value", "--format", "xlsx")
    target = tmp_path / "audit.xlsx"
    _, err = run("export_audit", "--subject", "value", "--format", "xlsx", "-o", str(target))
    assert "wrote 3 audit entries" in err
    sheet = load_workbook(target).active
    assert sheet is not None and sheet.title == "audit"
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == AUDIT_COLUMNS
    assert table[1][:5] == (dt.datetime(2019, 3, 1, 9), "zoe", "value.save", "I07 珠海市 2018", "save")
    assert table[2][8:10] == (5, 6)
