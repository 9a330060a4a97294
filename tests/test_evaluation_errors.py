"""One exception tree for the evaluation family: each a PlanWatchError, said in Chinese then English,
with the HTTP status it stands for; and a stored run whose results cannot be read is refused."""

from __future__ import annotations

import pytest

from planwatch.bulletins.services import build_bulletin
from planwatch.core.bulletin import BulletinError
from planwatch.core.errors import EvaluationError, InconsistentJudgements, InvalidParameters, PlanWatchError
from planwatch.core.evaluation import UnreadableResults
from planwatch.dashboards.data import UnknownYear, chosen_year
from planwatch.demo.sample import load_sample
from planwatch.evaluation.models import EvaluationResult, EvaluationRun
from planwatch.evaluation.runs import RunRefused, parameters_from_options, run_evaluation


@pytest.mark.parametrize(
    "error, status",
    [
        (EvaluationError("评估无法进行", "cannot evaluate"), 400),
        (InvalidParameters("参数错误", "bad parameters"), 400),
        (RunRefused("年份不在方案之内", "year outside the plan", reason="invalid_year", path="year"), 400),
        (BulletinError("报告期错误", "bad period"), 400),
        (
            UnknownYear("年份 'abc' 不是方案的评估年份", "year 'abc' is not an evaluation year", raw="abc"),
            404,
        ),
        (UnreadableResults("$.indicators", ("列表", "a list"), 3), 409),
    ],
)
def test_each_is_a_planwatch_error_in_chinese_then_english(error, status):
    assert isinstance(error, PlanWatchError) and error.status == status
    assert str(error) == f"{error.zh} / {error.en}"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.zh) and error.en.isascii()


def test_the_core_refusals_keep_their_kinds():
    judgements = InconsistentJudgements(0.2, what="innovation")
    assert isinstance(judgements, EvaluationError) and judgements.status == 400
    assert judgements.zh.startswith("判断矩阵（innovation）") and "CR = 0.2000" in judgements.en
    refused = RunRefused.from_core(judgements)
    assert (refused.reason, refused.path, refused.cr) == ("inconsistent_judgements", "ahp", 0.2)
    assert isinstance(refused, EvaluationError)
    wrapped = RunRefused.from_core(InvalidParameters("参数错误", "bad parameters"))
    assert wrapped.zh == "无法按这些参数进行评估：参数错误"
    assert wrapped.en == "The evaluation cannot be made with these parameters: bad parameters"
    with pytest.raises(UnknownYear) as unknown:
        chosen_year("2015", [2016, 2017], 2017)
    assert unknown.value.raw == "2015"


@pytest.mark.django_db
def test_a_bulletin_of_a_run_whose_results_cannot_be_read_is_refused(plan):
    load_sample(plan)
    run = run_evaluation(plan, 2018, params=parameters_from_options(sensitivity=False))
    row = EvaluationResult.objects.get(run=run, part="indicators", position=3)
    EvaluationResult.objects.filter(pk=row.pk).update(result={**row.result, "outcome": "finished"})
    run = EvaluationRun.objects.get(pk=run.pk)
    with pytest.raises(BulletinError) as refused:
        build_bulletin(plan, "2018", formats=["xlsx"], run=run)
    assert refused.value.zh.startswith(f"评估运行 #{run.pk}：存储的评估结果无法读取：$.indicators[3].outcome")
    assert "$.indicators[3].outcome" in refused.value.en and "finished" in refused.value.en
