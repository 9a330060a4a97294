# The moved table takes this app's name; a notification names its event and records its delivery
# per transport; each user's e-mail preference (at once, daily digest, none).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("notifications", "0001_initial"),
        ("supervision", "0005_notification_moved"),
    ]

    operations = [
        migrations.AlterModelTable(name="notification", table=None),
        migrations.AddField(
            model_name="notification",
            name="event",
            field=models.CharField(blank=True, db_index=True, max_length=200),
        ),
        migrations.AddField(
            model_name="notification",
            name="delivery",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.CreateModel(
            name="Preference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "email",
                    models.CharField(
                        choices=[("immediate", "At once"), ("digest", "Daily digest"), ("off", "No e-mail")],
                        default="immediate",
                        max_length=20,
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preference",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "Notification preference", "verbose_name_plural": "Notification preferences"},
        ),
    ]
