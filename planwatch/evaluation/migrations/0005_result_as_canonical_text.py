"""A result row's JSON kept as its canonical text (models.CanonicalJSONField), not jsonb: a run's
rows are written as the very texts hashed into its results_hash, and PostgreSQL parses none of them
on the way in. Rows stored before keep their JSON in PostgreSQL's spelling of it (`jsonb::text`),
read back decoded as before; their run's hash is checked on the decoded whole, as it always was."""

from django.db import migrations

import planwatch.evaluation.models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0004_result_rows"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evaluationresult",
            name="result",
            field=planwatch.evaluation.models.CanonicalJSONField(),
        ),
    ]
