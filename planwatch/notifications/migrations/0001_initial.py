# The Notification model moves from supervision to this app: first taken over as it is, on its
# table, without touching the database (supervision 0005 lets go of it).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("supervision", "0004_delete_supervisionaudit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("text_zh", models.TextField()),
                        ("text_en", models.TextField()),
                        ("link", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("emailed", models.BooleanField(default=False)),
                        ("dedupe_key", models.CharField(max_length=200, unique=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Notification",
                        "verbose_name_plural": "Notifications",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "supervision_notification",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
