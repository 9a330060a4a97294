"""A run's results as rows (issue 18): the whole Evaluation made again from the rows and the summary
is the one the core made (its hash the one stored), a page reads only its own rows, and the data
migration splits a run's JSON into rows and back."""

from __future__ import annotations

import dataclasses
import importlib
import pickle
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any
from unittest.mock import ANY

import pytest
from django.apps import apps
from django.core import serializers
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext

from planwatch.core.evaluation import REGION, Evaluation, ResultColumns, evaluate, from_jsonable, to_jsonable
from planwatch.dashboards import data
from planwatch.evaluation.models import FRAMES, ROW_PARTS, EvaluationResult, EvaluationRun, split_results
from planwatch.evaluation.runs import (
    build_input,
    canonical_json,
    canonical_texts,
    parameters_from_options,
    results_to_store,
    run_evaluation,
    sha256_of,
)

pytestmark = pytest.mark.django_db

QUICK = parameters_from_options(sensitivity=False)
ROWS_TABLE = EvaluationResult._meta.db_table
migration = importlib.import_module("planwatch.evaluation.migrations.0004_result_rows")


def test_the_whole_evaluation_made_again_from_the_rows_is_the_cores(sampled):
    inp, _version = build_input(sampled, year=2018)
    params = parameters_from_options()
    made = evaluate(inp, 2018, params)
    run = EvaluationRun.objects.get(pk=run_evaluation(sampled, 2018, params=params).pk)
    assert run.evaluation == made
    assert sha256_of(run.results) == run.results_hash == sha256_of(to_jsonable(made))
    # the summary holds no row; each part's rows are in the core's order
    assert all(run.summary[part] == [] for part in ROW_PARTS)
    for part in ROW_PARTS:
        assert tuple(run.rows(part)) == getattr(made, part), part
    assert EvaluationResult.objects.filter(run=run).count() == sum(len(getattr(made, p)) for p in ROW_PARTS)
    stored = EvaluationResult.objects.get(run=run, part="indicators", indicator="I01", scope="ZH")
    assert stored.status == data.status_key(made_result := run.evaluation.indicators[stored.position])
    assert stored.completion == made_result.completion
    # the frame: the rest of the run, its rows left out
    assert run.frame.composite == made.composite and run.frame.binding == made.binding
    assert all(getattr(run.frame, part) == () for part in ROW_PARTS)


def test_the_hash_is_fed_the_rows_texts_and_is_the_wholes(sampled):
    """results_to_store hashes the rows' canonical texts, made once, in the order the canonical JSON
    of the whole writes them: the digest and size are the whole's, the texts each result's JSON."""
    inp, _version = build_input(sampled, year=2018)
    made = evaluate(inp, 2018, parameters_from_options())
    stored = results_to_store(made)
    whole = to_jsonable(made)
    assert stored.results_hash == sha256_of(whole) and stored.size == len(canonical_json(whole).encode())
    assert stored.summary == {k: [] if k in ROW_PARTS else v for k, v in whole.items()}
    expected = [(p, n, item) for p in ROW_PARTS for n, item in enumerate(whole[p])]
    assert [(part, position) for part, position, *_ in stored.rows] == [(p, n) for p, n, _ in expected]
    assert [row[-1] for row in stored.rows] == [canonical_json(item) for _, _, item in expected]
    # the columns a row is read by, as split_results makes them from the JSON
    assert stored.rows == [
        (r.part, r.position, r.indicator, r.scope, r.status, r.completion, canonical_json(r.result))
        for r in split_results(whole)[1]
    ]
    # a part with no row (an empty list): the whole's digest still
    no_areas = dataclasses.replace(made, areas=())
    assert results_to_store(no_areas).results_hash == sha256_of(to_jsonable(no_areas))


@pytest.mark.parametrize(
    "values",
    [
        [1.5, None, float("nan"), float("inf"), -float("inf"), -0.0, 0.0, 1e-320, 2.5e300, 7, True, False],
        ["met", None, "a,b", '"quoted"', "中文", "%s"],
        [(), ("ZH", "FS"), ("a,b",), None],
        [1, 1.0, True, (1,), (1.0,), (True,), (0.0,), (-0.0,)],
        [{"b": 1, "a": [2, None]}, [3, "x"], None],
    ],
)
def test_texts_made_by_columns_are_each_results_canonical_json(values):
    """canonical_texts spells a column at once (numbers and literals by one call of json's encoder,
    other values each distinct one once): the same texts as canonical_json(to_jsonable(…)) of each,
    non-finite floats null, equal values spelled apart (1, 1.0, True; 0.0, −0.0) kept apart."""
    rows = [Pair(v, n) for n, v in enumerate(values)]
    assert canonical_texts(rows) == [canonical_json(to_jsonable(row)) for row in rows]


@dataclasses.dataclass(frozen=True)
class Pair:
    value: Any
    another: int


def test_a_locality_page_reads_only_its_own_rows(client, sampled, cast):
    client.force_login(cast.vic)
    assert client.get(f"/plans/{sampled.code}/dashboard/?year=2018").status_code == 200  # the run made
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/plans/{sampled.code}/dashboard/localities/ZH/?year=2018")
    assert response.status_code == 200
    read = [q["sql"] for q in captured.captured_queries if ROWS_TABLE in q["sql"]]
    assert len(read) == 1, read
    assert "\"scope\" IN ('ZH')" in read[0] and "'indicators'" in read[0] and "'areas'" in read[0], read[0]
    # and no summary either: its frame was decoded by the overview already (models.FRAMES)
    assert not any('"summary"' in q["sql"] for q in captured.captured_queries)


def test_results_for_a_scope_are_the_whole_runs_of_that_scope(sampled):
    run = run_evaluation(sampled, 2018, params=QUICK)
    run = EvaluationRun.objects.get(pk=run.pk)
    whole = data.Results.of(run)
    for scope in ("ZH", REGION):
        part = data.Results.for_scopes(run, scope)
        assert part.by_key == {k: r for k, r in whole.by_key.items() if k[1] == scope}
        assert part.scores == whole.scores and part.binding == whole.binding
    overview = data.Results.for_overview(run)
    assert overview.mapped == whole.mapped == {indicator for indicator, _ in whole.completions}
    for indicator in whole.mapped:  # each read when the overview's map asks for it
        assert run.completions(indicator) == {
            scope: c for (i, scope), c in whole.completions.items() if i == indicator
        }
    assert overview.by_key == {k: r for k, r in whole.by_key.items() if k[1] == REGION}


def test_a_frame_is_decoded_once_per_run(sampled):
    run = run_evaluation(sampled, 2018, params=QUICK)
    FRAMES.clear()
    first = EvaluationRun.objects.get(pk=run.pk).frame
    again = EvaluationRun.objects.defer("summary").get(pk=run.pk)
    with CaptureQueriesContext(connection) as captured:
        assert again.frame is first
    assert not captured.captured_queries
    # another run under the same id (a database made again) is never given this one's frame
    other = EvaluationRun.objects.get(pk=run.pk)
    other.results_hash = "0" * 64
    assert other.frame is not first and other.frame == first


def test_the_migration_puts_the_rows_back_into_the_json_and_splits_them_again(sampled):
    run = run_evaluation(sampled, 2018, params=QUICK)
    whole = EvaluationRun.objects.get(pk=run.pk).results
    editor = SimpleNamespace(connection=connection)
    migration.rows_to_runs(apps, editor)
    assert not EvaluationResult.objects.filter(run=run).exists()
    assert EvaluationRun.objects.values_list("summary", flat=True).get(pk=run.pk) == whole
    migration.runs_to_rows(apps, editor)
    migration.runs_to_rows(apps, editor)  # a second time: nothing more
    again = EvaluationRun.objects.get(pk=run.pk)
    assert again.results == whole and sha256_of(again.results) == again.results_hash
    assert EvaluationResult.objects.filter(run=run).count() == sum(len(whole[p]) for p in ROW_PARTS)
    assert again.summary == {k: [] if k in ROW_PARTS else v for k, v in whole.items()}
    # a run stored before a part existed (no areas then): the whole made again lacks it as before
    older = {k: v for k, v in whole.items() if k != "areas"}
    EvaluationRun.objects.filter(pk=run.pk).update(summary=older, results_hash=sha256_of(older))
    EvaluationResult.objects.filter(run=run).delete()
    migration.runs_to_rows(apps, editor)
    stored = EvaluationRun.objects.get(pk=run.pk)
    assert "areas" not in stored.results and sha256_of(stored.results) == stored.results_hash


def test_each_row_keeps_the_very_text_hashed(sampled):
    """A row's result is stored as its canonical text (CanonicalJSONField: text, not jsonb), the
    text results_hash was fed; read back through the model, it is the JSON decoded."""
    run = run_evaluation(sampled, 2018, params=QUICK)
    made = to_jsonable(EvaluationRun.objects.get(pk=run.pk).evaluation)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT part, result FROM {ROWS_TABLE} WHERE run_id = %s ORDER BY part, position", [run.pk]
        )
        raw = cursor.fetchall()
    assert raw and all(isinstance(text, str) for _, text in raw)
    assert sorted(raw) == sorted((part, canonical_json(item)) for part in ROW_PARTS for item in made[part])
    row = EvaluationResult.objects.filter(run=run).first()
    assert isinstance(row.result, dict) and canonical_json(row.result) in {text for _, text in raw}


def test_a_result_row_goes_through_django_serializers_as_json(sampled):
    """dumpdata / loaddata: the row's JSON is written as JSON and read back as JSON (not its repr)."""
    run = run_evaluation(sampled, 2018, params=QUICK)
    row = EvaluationResult.objects.filter(run=run).first()
    text = serializers.serialize("json", [row])
    (again,) = serializers.deserialize("json", text)
    assert again.object.result == row.result
    again.object.pk = None
    again.object.position += 100_000
    again.object.save()
    assert EvaluationResult.objects.get(pk=again.object.pk).result == row.result


def test_the_engines_result_columns_read_as_the_tuple_of_their_results(sampled):
    """Evaluation.indicators as the engine makes it (ResultColumns): equal to the tuple both ways,
    added to tuples, pickled, decoded from its JSON as the tuple, its objects made once however
    many threads ask at once."""
    inp, _version = build_input(sampled, year=2018)
    made = evaluate(inp, 2018, QUICK)
    columns = made.indicators
    assert isinstance(columns, ResultColumns)
    results = tuple(columns)
    assert columns == results and results == columns
    assert columns + results[:1] == results + results[:1] and results[:1] + columns == results[:1] + results
    assert columns[1:3] == results[1:3] and columns[-1] == results[-1] and len(columns) == len(results)
    assert (columns == ANY) is True  # another kind of object: its own equality decides
    again = pickle.loads(pickle.dumps(columns))
    assert again == columns and hash(again) == hash(results)
    decoded = from_jsonable(Evaluation, to_jsonable(made))
    assert type(decoded.indicators) is tuple and decoded == made
    fresh = evaluate(inp, 2018, QUICK).indicators
    with ThreadPoolExecutor(4) as pool:
        made_by = list(pool.map(lambda _: fresh.made(), range(8)))
    assert all(tuple_ is made_by[0] for tuple_ in made_by)


def test_a_result_rows_json_in_a_form_is_checked_not_crashed(sampled):
    run = run_evaluation(sampled, 2018, params=QUICK)
    row = EvaluationResult.objects.filter(run=run).first()
    form = modelform_factory(EvaluationResult, fields=["result"])
    shown = form(instance=row)["result"].value()
    assert form(data={"result": shown}, instance=row).is_valid()
    bad = form(data={"result": str(row.result)}, instance=row)  # a Python repr, not JSON
    assert not bad.is_valid() and "result" in bad.errors
