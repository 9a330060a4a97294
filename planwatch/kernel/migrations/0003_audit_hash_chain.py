"""Each audit event's hash, chained to the one before (planwatch.kernel.chain): the events already
written are chained in id order."""

from django.db import migrations, models

from planwatch.kernel import chain


def fill_chain(apps, schema_editor):
    Event = apps.get_model("kernel", "AuditEvent")
    events = list(Event.objects.using(schema_editor.connection.alias).order_by("id"))
    chain.seal(chain.GENESIS, events)
    Event.objects.using(schema_editor.connection.alias).bulk_update(events, ["hash"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("kernel", "0002_old_audit_rows")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(fill_chain, migrations.RunPython.noop),
    ]
