"""planwatch bulletin --period 2018 --format … -o DIR."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from planwatch.bulletins.models import Bulletin
from planwatch.evaluation.runs import run_evaluation


@pytest.fixture
def sample(sampled, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return sampled


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("bulletin", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_writes_the_files_and_shows_its_steps(sample, tmp_path):
    target = tmp_path / "out"
    out, err = run("--period", "2018", "--format", "xlsx", "-o", str(target), "--no-sensitivity")
    bulletin = Bulletin.objects.get()
    written = target / f"bulletin-{sample.code}-2018-draft-{bulletin.pk}.xlsx"  # a draft: no number yet
    assert out.strip() == str(written)
    assert "… evaluating the year" in err and "… writing xlsx" in err
    assert f"evaluation run #{bulletin.run_id}" in err and "示例数据" in err
    book = load_workbook(written)
    ranking = [r[1] for r in book["排名 Ranking"].iter_rows(min_row=2, values_only=True)]
    assert ranking == [s["locality"] for s in bulletin.run.results["composite"]["scores"]]


def test_cites_a_given_run(sample, tmp_path):
    stored = run_evaluation(sample, 2018)
    run("--period", "2018", "--format", "xlsx", "-o", str(tmp_path), "--run", str(stored.pk))
    assert Bulletin.objects.get().run == stored


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2018", "--format", "doc"], "docx, pdf, xlsx"),
        (["--period", "18"], "2018Q3"),
        (["--period", "2031"], "outside the plan's years"),
        (["--period", "2018Q2"], "no such reporting period"),
        (["--period", "2018", "--run", "999"], "no such evaluation run"),
        (["--period", "2018", "--as-of", "30/6/2019"], "--as-of"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_stored(sample, tmp_path, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run(*args, "-o", str(tmp_path / "out"))
    assert not Bulletin.objects.exists()
    assert not (tmp_path / "out").exists()


def test_a_run_of_another_year_is_refused(sample, tmp_path):
    stored = run_evaluation(sample, 2017)
    with pytest.raises(CommandError, match="not prw-mic2025 2018"):
        run("--period", "2018", "-o", str(tmp_path), "--run", str(stored.pk))


def test_a_quarter_evaluates_its_year_and_says_so(sample, tmp_path):
    call_command("create_periods", "--year", "2018", "--frequency", "quarterly", stdout=io.StringIO())
    run("--period", "2018q3", "--format", "xlsx", "-o", str(tmp_path), "--no-sensitivity")
    bulletin = Bulletin.objects.get()
    assert (bulletin.period_code, bulletin.year, bulletin.run.year) == ("2018Q3", 2018, 2018)
    book = load_workbook(tmp_path / f"bulletin-{sample.code}-2018Q3-draft-{bulletin.pk}.xlsx")
    info = dict(book["通报 Bulletin"].iter_rows(min_row=2, values_only=True))
    assert info["期别 issue"] == "2018年第三季度（草稿，未签发）"  # a draft: numbered when issued
    assert "2018年度已读取的数值" in info["依据 basis 1"]
