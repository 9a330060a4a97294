"""The audit log is append-only in the database itself: a trigger refuses every UPDATE and DELETE of
an audit event, except the one Django makes when a user is deleted (the link to the user goes to
NULL, nothing else changes: the name stays). On PostgreSQL and on SQLite; to rewrite the log one
must drop the trigger, and the hash chain then shows where (`planwatch verify_audit`)."""

from django.db import migrations

TABLE = "kernel_auditevent"
MESSAGE = "the audit log is append-only"
# Every column but actor_id, which may only go to NULL (SQLite cannot compare whole rows).
KEPT = (
    "id", "at", "type", "actor_name", "source", "source_detail", "plan_code", "locality_code",
    "indicator_code", "period_code", "subject_type", "subject_id", "subject_label", "old", "new",
    "comment", "private", "hash",
)  # fmt: skip

POSTGRESQL = (
    f"""
    CREATE OR REPLACE FUNCTION planwatch_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
                AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{MESSAGE}: % of event % refused', TG_OP, OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$;
    CREATE TRIGGER planwatch_audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION planwatch_audit_append_only();
    """,
    f"""
    DROP TRIGGER IF EXISTS planwatch_audit_append_only ON {TABLE};
    DROP FUNCTION IF EXISTS planwatch_audit_append_only();
    """,
)
_SAME = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in KEPT)
SQLITE = (
    [
        f"""CREATE TRIGGER planwatch_audit_no_update BEFORE UPDATE ON {TABLE}
        WHEN NOT (NEW.actor_id IS NULL AND {_SAME})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END""",
        f"""CREATE TRIGGER planwatch_audit_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END""",
    ],
    ["DROP TRIGGER IF EXISTS planwatch_audit_no_update", "DROP TRIGGER IF EXISTS planwatch_audit_no_delete"],
)


def _statements(vendor, which):
    if vendor == "postgresql":
        return [POSTGRESQL[which]]
    if vendor == "sqlite":
        return SQLITE[which]
    return []  # another database: the application alone keeps the log append-only


def install(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, 0):
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, 1):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("kernel", "0003_audit_hash_chain")]

    operations = [migrations.RunPython(install, remove)]
