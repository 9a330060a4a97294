"""The drafter measured against plan files made by hand (issue 19): prints precision, recall and F1 of
targets, tasks and lead / participating units for every gold pair, as the table in benchmarks/README.md.

    PYTHONPATH=. .venv/bin/python benchmarks/drafting_scores.py

No database and no Django settings. tests/test_drafting_gold.py asserts the thresholds on the same pairs."""

from __future__ import annotations

from pathlib import Path

from planwatch.core.drafting.extract import draft
from planwatch.core.drafting.reading import read_document
from planwatch.core.drafting.scoring import Score, score
from planwatch.core.planfile import read_plan_file

ROOT = Path(__file__).resolve().parent.parent
GOLD_PAIRS = [
    (ROOT / "plans" / "pearl_river_west_2017.source.txt", ROOT / "plans" / "pearl_river_west_2017.yaml"),
    (
        ROOT / "tests" / "fixtures" / "drafting" / "guangdong_2021_gwr_tasks.txt",
        ROOT / "tests" / "fixtures" / "drafting" / "guangdong_2021_gwr_tasks.gold.yaml",
    ),
    (
        ROOT / "tests" / "fixtures" / "drafting" / "jiangsu_2007_labour_tasks.txt",
        ROOT / "tests" / "fixtures" / "drafting" / "jiangsu_2007_labour_tasks.gold.yaml",
    ),
    (
        ROOT / "tests" / "fixtures" / "drafting" / "guangdong_2015_prd_tasks.txt",
        ROOT / "tests" / "fixtures" / "drafting" / "guangdong_2015_prd_tasks.gold.yaml",
    ),
    # 《广东省工业企业技术改造三年行动计划(2018-2020年)》, the opening as stored from
    # http://www.pengyuguoji.com/html/.ywfljsgz201801t20180115_128649.html (the gold file's header says
    # how): the plan-file tests' second plan, written by hand for issue 17. The rules of issue 19
    # (yearly lines, running totals, a task section without units) were developed against it.
    (
        ROOT / "tests" / "fixtures" / "plans" / "gd_tech_upgrade_2018.source.txt",
        ROOT / "tests" / "fixtures" / "plans" / "gd_tech_upgrade_2018.yaml",
    ),
]


def scores(document: Path, gold: Path) -> list[Score]:
    text = read_document(document.read_bytes(), document.name)
    return score(draft(text), read_plan_file(gold))


def main() -> None:
    print("| document | aspect | gold | drafted | matched | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for document, gold in GOLD_PAIRS:
        for s in scores(document, gold):
            p, r, f1 = s.figures()
            print(
                f"| {document.name} | {s.aspect} | {s.gold} | {s.drafted} | {s.matched} | {p} | {r} | {f1} |"
            )


if __name__ == "__main__":
    main()
