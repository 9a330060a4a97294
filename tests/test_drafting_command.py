"""`planwatch draft_plan`: a draft written, refused documents, the score; the draft of the seed text,
its review markers resolved, loads with `planwatch load_plan`."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from planwatch.demo.sample import load_sample
from planwatch.evaluation.models import EvaluationRun
from planwatch.plans.models import Plan

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "plans" / "pearl_river_west_2017.source.txt"


def run(*args: str) -> str:
    out = StringIO()
    call_command("draft_plan", *args, stdout=out)
    return out.getvalue()


def test_draft_written(tmp_path: Path) -> None:
    output = tmp_path / "draft.yaml"
    said = run(str(SEED), "-o", str(output))
    assert "34 targets, 18 tasks" in said and "marked review:" in said
    assert output.read_text(encoding="utf-8").count("review:") >= 10


def test_score_printed() -> None:
    out = run(str(SEED), "--score", str(ROOT / "plans" / "pearl_river_west_2017.yaml"))
    assert re.search(r"targets +gold  34 .* F1 1\.000", out)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
        (
            "一、总体要求\n全面推进各项工作，提升治理能力和治理水平，确保落实。".encode(),
            "no quantitative target",
        ),
    ],
)
def test_bad_documents_are_refused_without_a_draft(tmp_path: Path, content: bytes, message: str) -> None:
    document = tmp_path / "bad.txt"
    document.write_bytes(content)
    output = tmp_path / "draft.yaml"
    with pytest.raises(CommandError, match=message):
        run(str(document), "-o", str(output))
    assert not output.exists()


def test_missing_document(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot be read"):
        run(str(tmp_path / "nothing.txt"))


@pytest.mark.django_db
def test_the_resolved_draft_loads(tmp_path: Path) -> None:
    output = tmp_path / "draft.yaml"
    run(str(SEED), "-o", str(output))
    with pytest.raises(CommandError, match="still marked for review"):
        call_command("load_plan", str(output), stdout=StringIO())
    assert not Plan.objects.exists()
    text = output.read_text(encoding="utf-8")
    output.write_text(
        "\n".join(line for line in text.splitlines() if not re.match(r"\s*review: ", line)) + "\n"
    )
    out = StringIO()
    call_command("load_plan", str(output), stdout=out)
    assert "created, version 1" in out.getvalue() or "version 1" in out.getvalue()
    plan = Plan.objects.get()
    assert plan.tasks.count() == 18
    assert plan.localities.filter(pilot=True).count() == 7


@pytest.mark.django_db
def test_the_resolved_draft_is_evaluated_and_ranks_the_seven_pilot_units(tmp_path: Path) -> None:
    output = tmp_path / "draft.yaml"
    run(str(SEED), "-o", str(output))
    text = output.read_text(encoding="utf-8")
    output.write_text(
        "\n".join(line for line in text.splitlines() if not re.match(r"\s*review: ", line)) + "\n"
    )
    call_command("load_plan", str(output), stdout=StringIO())
    drafted = Plan.objects.get()
    load_sample(drafted)  # 示例数据: values to evaluate
    out = StringIO()
    call_command("evaluate", "--plan", drafted.code, "--year", "2019", stdout=out, stderr=StringIO())
    scores = EvaluationRun.objects.get().results["composite"]["scores"]
    ranked = {drafted.localities.get(code=s["locality"]).name_zh for s in scores if s.get("rank")}
    assert ranked == {"珠海市", "佛山市", "中山市", "江门市", "阳江市", "肇庆市", "顺德区"}, out.getvalue()[
        :800
    ]
