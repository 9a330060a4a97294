# API tokens expire: tokens issued before this get 90 days from their creation.

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F


def expire_existing(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=F("created_at") + timedelta(days=90))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_role_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                help_text="Refused from then on (PLANWATCH_API_TOKEN_DAYS after issue)."
            ),
        ),
    ]
