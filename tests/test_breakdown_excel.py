"""The breakdown's Excel round trip, read back with openpyxl: download the table, fill it in, upload
it; a bad cell is named by sheet and cell and nothing is written. Lena leads 省科技厅 (I22–I28)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from planwatch.breakdown import actions
from planwatch.breakdown.excel import SHEET, import_breakdown
from planwatch.core.errors import WorkbookRejected
from planwatch.kernel.models import AuditEvent
from planwatch.plans.models import Target

I22_2019 = {"ZH": 10, "FS": 30, "ZS": 15, "JM": 15, "YJ": 5, "ZQ": 8, "SD": 12}


def download(client, plan, code="I22"):
    response = client.get(reverse("breakdown:download", args=[plan.code, code]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def saved(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows_by_code(ws) -> dict[str, int]:
    return {ws.cell(row=r, column=1).value: r for r in range(5, 12)}


def test_round_trip(client, plan, cast):
    client.force_login(cast.lena)
    wb = download(client, plan)
    ws = wb[SHEET]
    assert [ws.cell(row=4, column=c).value.split()[0] for c in (3, 4, 5)] == ["2017年", "2018年", "2019年"]
    rows = rows_by_code(ws)
    assert list(rows) == ["ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD"]
    assert ws.cell(row=rows["ZH"], column=5).protection.locked is False  # yellow, to fill in
    assert "不重复合计" in ws.cell(row=rows["SD"], column=6).value
    region_row = rows["SD"] + 2
    assert ws.cell(row=region_row, column=5).value == 108  # the region's 2019 target
    total = ws.cell(row=region_row + 1, column=5).value
    assert total.startswith("=SUM(") and f"E{rows['SD']}" not in total and f"E{rows['FS']}" in total
    for code, value in I22_2019.items():
        ws.cell(row=rows[code], column=5, value=value)

    response = client.post(
        reverse("breakdown:upload", args=[plan.code, "I22"]),
        {"file": _upload(saved(wb), "I22 分解表.xlsx")},
    )
    assert response.status_code == 302
    stored = {
        t.locality.code: t.value for t in Target.objects.filter(indicator__code="I22", locality__isnull=False)
    }
    assert stored == {code: Decimal(v) for code, v in I22_2019.items()}
    events = AuditEvent.objects.filter(type="target.create", indicator_code="I22")
    assert {(e.source, e.source_detail) for e in events} == {("excel", "I22 分解表.xlsx")}

    # read back: the workbook now holds the targets and says the total falls short
    ws = download(client, plan)[SHEET]
    assert ws.cell(row=rows["FS"], column=5).value == 30
    assert ws.cell(row=region_row + 2, column=5).value.startswith("合计低于区域目标：合计 83")


def _upload(data: bytes, name: str):
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_a_bad_cell_is_named_and_nothing_is_written(client, plan, cast):
    client.force_login(cast.lena)
    wb = download(client, plan)
    ws = wb[SHEET]
    rows = rows_by_code(ws)
    ws.cell(row=rows["ZH"], column=5, value=10)
    ws.cell(row=rows["ZS"], column=5, value="十五")
    ws.cell(row=rows["JM"], column=4, value=-2)  # persons are never negative
    response = client.post(
        reverse("breakdown:upload", args=[plan.code, "I22"]), {"file": _upload(saved(wb), "x.xlsx")}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "import-problems" in page and f"E{rows['ZS']}" in page and f"D{rows['JM']}" in page
    assert not Target.objects.filter(indicator__code="I22", locality__isnull=False).exists()
    with pytest.raises(WorkbookRejected) as caught:
        import_breakdown(saved(wb), "x.xlsx", cast.lena, plan.indicators.get(code="I22"))
    assert [p.path for p in caught.value.problems] == [f"{SHEET}!E{rows['ZS']}", f"{SHEET}!D{rows['JM']}"]


def test_another_indicators_or_an_altered_workbook_is_refused(client, plan, cast):
    client.force_login(cast.lena)
    wb = download(client, plan)
    i24 = plan.indicators.get(code="I24")
    with pytest.raises(WorkbookRejected) as caught:
        import_breakdown(saved(wb), "x.xlsx", cast.lena, i24)
    [problem] = caught.value.problems
    assert problem.path.startswith("_meta!") and "不是 I24 的" in problem.message
    wb["_meta"]["B5"] = "I24"  # edited by hand: the checksum no longer matches
    with pytest.raises(WorkbookRejected, match="元数据被改动过"):
        import_breakdown(saved(wb), "x.xlsx", cast.lena, i24)


def test_a_submitted_breakdown_is_read_only_in_the_workbook_too(client, plan, cast):
    ind = plan.indicators.get(code="I22")
    actions.save_targets(cast.lena, ind, [actions.Entry("ZH", 2019, Decimal(10))])
    actions.submit(cast.lena, ind)
    client.force_login(cast.lena)
    wb = download(client, plan)
    ws = wb[SHEET]
    assert ws.cell(row=5, column=5).protection.locked is not False
    ws.cell(row=5, column=5, value=11)
    with pytest.raises(WorkbookRejected, match="等待省级审核"):
        import_breakdown(saved(wb), "x.xlsx", cast.lena, ind)
    assert Target.objects.get(indicator=ind, locality__code="ZH").value == 10
