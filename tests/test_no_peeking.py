"""No peeking (issue 15, part 7): a row hidden from a user (another locality's draft) is neither
named nor counted for them, not in a duplicate check nor in an import's answer; the one rule is
`ledger_row.view` as a query (planwatch.ledgers.services.visible_items). A plan file's source text
is read from its own folder only, never from a file outside it shown on the source page.

The cast (tests/conftest.py): Zoe reports for 珠海 (ZH), Fred for 佛山 (FS), Alice is the province
administrator."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from planwatch.core.errors import PlanFileError, WorkbookRejected
from planwatch.core.planfile import read_plan_file
from planwatch.ledgers import excel, services
from planwatch.ledgers.models import LedgerItem
from planwatch.plans.models import Plan
from tests.test_ledger_derive import add
from tests.test_ledger_excel import workbook

pytestmark = pytest.mark.django_db
D = dt.date
HIDDEN = "示例项目 佛山草稿"


@pytest.fixture
def ledger(plan):
    return services.get_ledger(plan, services.INVESTMENT_PROJECTS)


@pytest.fixture
def pair(cast, ledger):
    """佛山's draft and 珠海's row with the same identifier: both flagged as possible duplicates."""
    theirs = add(cast.fred, ledger, "FS", HIDDEN, identifier="P-7", signed=D(2018, 2, 1))
    mine = add(cast.zoe, ledger, "ZH", "示例项目 珠海", identifier="p-7", signed=D(2018, 2, 1))
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.duplicate_flag and mine.duplicate_flag
    return mine, theirs


def page(user, url: str) -> tuple[str, dict]:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), response.context


def test_similar_items_name_only_rows_the_user_may_see(plan, cast, ledger, pair):
    mine, theirs = pair
    url = reverse("ledgers:item", args=[plan.code, ledger.code, mine.pk])
    text, context = page(cast.zoe, url)
    assert context["similar"] == [] and not context["flagged"]
    assert HIDDEN not in text and "Possible duplicate" not in text and "可能重复" not in text
    text, context = page(cast.alice, url)  # the administrator sees every row
    assert [s.pk for s in context["similar"]] == [theirs.pk] and HIDDEN in text


def test_the_list_and_the_api_do_not_flag_a_row_for_a_hidden_one(plan, cast, ledger, pair):
    mine, _theirs = pair
    url = reverse("ledgers:list", args=[plan.code, ledger.code])
    text, context = page(cast.zoe, url)
    assert context["flagged"] == 0 and not context["items"][0].seen_duplicate
    _text, context = page(cast.alice, url)
    assert context["flagged"] == 2 and all(i.seen_duplicate for i in context["items"])
    client = Client()
    client.force_login(cast.zoe)
    api = f"/api/v1/plans/{plan.code}/ledgers/{ledger.code}/items"
    assert [i["duplicate_flag"] for i in client.get(api).json()] == [False]
    assert client.get(f"{api}/{mine.pk}").json()["duplicate_flag"] is False


def test_a_visible_similar_row_is_still_named(plan, cast, ledger):
    first = add(cast.zoe, ledger, "ZH", "示例项目 甲", signed=D(2018, 2, 1))
    second = add(cast.zoe, ledger, "ZH", "示例项目（甲）", signed=D(2018, 2, 1))
    url = reverse("ledgers:item", args=[plan.code, ledger.code, second.pk])
    _text, context = page(cast.zoe, url)
    assert [s.pk for s in context["similar"]] == [first.pk] and context["flagged"]


def test_an_import_naming_a_hidden_row_reads_as_no_such_row(plan, cast, ledger, pair):
    _mine, theirs = pair
    missing = LedgerItem.objects.order_by("-pk").first().pk + 100
    for pk in (theirs.pk, missing):
        rows = [{"id": pk, "locality": "ZH", "name": "改名", "investment": 20000}]
        with pytest.raises(WorkbookRejected) as refused:
            excel.import_ledger(ledger, workbook(ledger, rows), "x.xlsx", cast.zoe)
        said = str(refused.value)
        assert f"no item {pk} in this ledger" in said
        assert "佛山" not in said and "Foshan" not in said
    theirs.refresh_from_db()
    assert theirs.name == HIDDEN


# --- a plan file's source text stays in its folder -----------------------------------------------


SEED_PLAN = Path(__file__).resolve().parent.parent / "plans" / "pearl_river_west_2017.yaml"
SECRET = "不该出现的文字 a secret outside the plan's folder"


def plan_file_naming(folder: Path, source: str) -> Path:
    text = SEED_PLAN.read_text(encoding="utf-8")
    given = re.search(r"source_text_file: *(\S+)", text)
    assert given is not None
    folder.mkdir()
    path = folder / "plan.yaml"
    path.write_text(text.replace(given.group(0), f"source_text_file: {source}"), encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["parent", "absolute", "link"])
def test_a_source_text_file_outside_the_plan_folder_is_refused(tmp_path, how):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    folder = tmp_path / "plans"
    source = {"parent": "../secret.txt", "absolute": str(secret), "link": "inside.txt"}[how]
    path = plan_file_naming(folder, source)
    if how == "link":
        (folder / "inside.txt").symlink_to(secret)
    with pytest.raises(PlanFileError) as refused:
        read_plan_file(path)
    (problem,) = refused.value.problems
    assert problem.path == "plan.source_text_file"
    assert "outside the plan file's folder" in problem.message and source in problem.message
    assert problem.line is not None and SECRET not in str(refused.value)
    with pytest.raises(CommandError, match="outside the plan file's folder"):
        call_command("load_plan", str(path))
    assert not Plan.objects.exists()


def test_a_source_text_file_in_a_subfolder_is_read(tmp_path):
    folder = tmp_path / "plans"
    path = plan_file_naming(folder, "texts/plan.txt")
    (folder / "texts").mkdir()
    text = SEED_PLAN.with_name("pearl_river_west_2017.source.txt").read_text(encoding="utf-8")
    (folder / "texts" / "plan.txt").write_text(text, encoding="utf-8")
    assert read_plan_file(path).plan.source_text == text
