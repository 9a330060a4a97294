"""Evaluation results as rows (issue 18): a run's results JSON split into one EvaluationResult per
result of its long parts (indicators, areas, region, region_history) and the rest, kept in the
run's `summary` (the `results` column renamed). Reversed, the rows go back into the JSON."""

import django.db.models.deletion
from django.db import migrations, models, transaction

from planwatch.evaluation.models import ROW_PARTS, split_results

BATCH = 2000


def runs_to_rows(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Each run in a transaction of its own: its rows written, its JSON cut to the summary."""
    Run = apps.get_model("evaluation", "EvaluationRun")
    Result = apps.get_model("evaluation", "EvaluationResult")
    alias = schema_editor.connection.alias
    for pk in Run.objects.using(alias).order_by("id").values_list("id", flat=True):
        with transaction.atomic(using=alias):
            whole = Run.objects.using(alias).values_list("summary", flat=True).get(pk=pk)
            if not any(whole.get(part) for part in ROW_PARTS):
                continue  # split already
            summary, rows = split_results(whole)
            Result.objects.using(alias).bulk_create(
                [
                    Result(
                        run_id=pk,
                        part=row.part,
                        position=row.position,
                        indicator=row.indicator,
                        scope=row.scope,
                        status=row.status,
                        completion=row.completion,
                        result=row.result,
                    )
                    for row in rows
                ],
                batch_size=BATCH,
            )
            Run.objects.using(alias).filter(pk=pk).update(summary=summary)


def rows_to_runs(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Each run's rows back into its JSON, in their order; the rows deleted."""
    Run = apps.get_model("evaluation", "EvaluationRun")
    Result = apps.get_model("evaluation", "EvaluationResult")
    alias = schema_editor.connection.alias
    for pk in Run.objects.using(alias).order_by("id").values_list("id", flat=True):
        with transaction.atomic(using=alias):
            rows = Result.objects.using(alias).filter(run_id=pk)
            whole = dict(Run.objects.using(alias).values_list("summary", flat=True).get(pk=pk))
            if any(whole.get(part) for part in ROW_PARTS):
                continue  # whole already
            for part, result in rows.order_by("part", "position").values_list("part", "result"):
                whole[part].append(result)
            Run.objects.using(alias).filter(pk=pk).update(summary=whole)
            rows.delete()


class Migration(migrations.Migration):
    # Each step in a transaction of its own (as bulletins 0003_issuing): on PostgreSQL a table whose
    # rows were just written cannot have its schema changed in the same transaction ("pending
    # trigger events"); the data step commits run by run.
    atomic = False

    dependencies = [
        ("evaluation", "0003_dashboard_run"),
    ]

    operations = [
        migrations.RenameField(model_name="evaluationrun", old_name="results", new_name="summary"),
        migrations.AlterField(
            model_name="evaluationrun",
            name="summary",
            field=models.JSONField(
                help_text="The results JSON (to_jsonable) with the lists stored as rows (ROW_PARTS) left empty.",
                verbose_name="Results",
            ),
        ),
        migrations.AlterField(
            model_name="evaluationrun",
            name="results_hash",
            field=models.CharField(
                help_text="sha256 of the canonical results JSON: the summary with its rows.", max_length=64
            ),
        ),
        migrations.CreateModel(
            name="EvaluationResult",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "part",
                    models.CharField(
                        choices=[
                            ("indicators", "indicators"),
                            ("areas", "areas"),
                            ("region", "region"),
                            ("region_history", "region_history"),
                        ],
                        max_length=20,
                    ),
                ),
                ("position", models.PositiveIntegerField(help_text="Its place in its part, from 0.")),
                ("indicator", models.CharField(max_length=40)),
                ("scope", models.CharField(help_text="A locality's code, or 'region'.", max_length=40)),
                ("status", models.CharField(blank=True, max_length=30)),
                ("completion", models.FloatField(blank=True, null=True)),
                ("result", models.JSONField()),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="result_rows",
                        to="evaluation.evaluationrun",
                    ),
                ),
            ],
            options={
                "verbose_name": "Evaluation result",
                "verbose_name_plural": "Evaluation results",
                "indexes": [
                    models.Index(fields=["run", "scope"], name="evaluation_result_scope"),
                    models.Index(fields=["run", "indicator"], name="evaluation_result_indicator"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("run", "part", "position"), name="evaluation_result_place")
                ],
            },
        ),
        migrations.RunPython(runs_to_rows, rows_to_runs, atomic=False),
    ]
