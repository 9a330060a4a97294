# The Notification model now belongs to planwatch.notifications (its 0001 took it over, table and
# rows as they are): supervision lets go of it without touching the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0004_delete_supervisionaudit"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
