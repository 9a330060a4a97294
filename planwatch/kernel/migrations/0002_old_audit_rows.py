"""The three audit tables of the first design (values, ledger rows, supervision) brought into the one
audit log, row for row, in the order they were written: nothing is lost, and the old tables go in
the apps' next migrations."""

from django.db import migrations

DRAFT_LIKE = {"", "draft", "returned"}
VALUE_TYPES = {"evidence": "attach"}
LEDGER_TYPES = {"evidence": "attach"}
SUPERVISION_TYPES = {
    "create_plan": ("action_plan", "create"),
    "add_milestone": ("milestone", "create"),
    "edit_milestone": ("milestone", "update"),
    "delete_milestone": ("milestone", "delete"),
    "post_update": ("milestone", "progress"),
    "comment_update": ("progress_update", "comment"),
    "return_update": ("progress_update", "return"),
}
SOURCES = {"web", "api", "excel", "ledger", "sample", "cli", "admin", "system"}


def _number(value):
    if value is None:
        return None
    if value == value.to_integral_value():
        return f"{value.quantize(1):f}"
    return f"{value.normalize():f}"


def _state_keys(data):
    """The ledger's {"review": …} of a move is the kernel's {"state": …}."""
    if isinstance(data, dict) and set(data) == {"review"}:
        return {"state": data["review"]}
    return data


def _name(user):
    return user.username if user is not None else ""


def value_events(apps, Event):
    AuditEntry = apps.get_model("reporting", "AuditEntry")
    rows = AuditEntry.objects.select_related(
        "value__indicator", "value__locality", "value__period__plan", "user"
    ).order_by("at", "id")
    for row in rows.iterator(chunk_size=2000):
        value = row.value
        old = None
        if row.old_status or row.old_value is not None:
            old = {"value": _number(row.old_value), "state": row.old_status}
        yield Event(
            at=row.at,
            type=f"value.{VALUE_TYPES.get(row.action, row.action)}",
            actor=row.user,
            actor_name=_name(row.user),
            source=row.source,
            source_detail=row.source_detail,
            plan_code=value.period.plan.code,
            locality_code=value.locality.code,
            indicator_code=value.indicator.code,
            period_code=value.period.code,
            subject_type="value",
            subject_id=str(value.pk),
            subject_label=f"{value.indicator.code} {value.locality.name_zh} {value.period.code}",
            old=old,
            new={"value": _number(row.new_value), "state": row.new_status},
            comment=row.comment,
            private=row.old_status in DRAFT_LIKE and row.new_status in DRAFT_LIKE,
        )


def ledger_events(apps, Event):
    LedgerAudit = apps.get_model("ledgers", "LedgerAudit")
    rows = LedgerAudit.objects.select_related("item__locality", "ledger__plan", "user").order_by("at", "pk")
    for row in rows.iterator(chunk_size=2000):
        snapshot = row.new or row.old or {}
        name = row.item.name if row.item is not None else snapshot.get("name", "")
        locality = row.item.locality.code if row.item is not None else snapshot.get("locality") or ""
        state = (row.new or {}).get("review") or (row.item.review if row.item is not None else "")
        yield Event(
            at=row.at,
            type=f"ledger_row.{LEDGER_TYPES.get(row.action, row.action)}",
            actor=row.user,
            actor_name=_name(row.user),
            source=row.source if row.source in SOURCES else "web",
            source_detail=row.source_detail or ("" if row.source in SOURCES else row.source),
            plan_code=row.ledger.plan.code,
            locality_code=locality,
            subject_type="ledger_row",
            subject_id=str(row.item_id or ""),
            subject_label=f"{row.ledger.name_zh}：{name}",
            old=_state_keys(row.old),
            new=_state_keys(row.new),
            comment=row.comment,
            private=row.action in {"create", "update", "evidence", "delete"} and state in DRAFT_LIKE,
        )


def supervision_events(apps, Event):
    SupervisionAudit = apps.get_model("supervision", "SupervisionAudit")
    rows = SupervisionAudit.objects.select_related(
        "action_plan__locality", "action_plan__plan", "milestone", "user"
    ).order_by("at", "id")
    for row in rows.iterator(chunk_size=2000):
        ap = row.action_plan
        subject, verb = SUPERVISION_TYPES.get(row.action, ("milestone", row.action))
        source, _sep, detail = row.source.partition(":")
        title = row.milestone.title if row.milestone is not None else (row.old or row.new or {}).get("title", "")
        if subject == "action_plan":
            subject_id, label = ap.pk, f"{ap.locality.name_zh} {ap.year} 年度行动计划"
        elif subject == "progress_update":
            subject_id = (row.new or {}).get("update", "")
            label = f"{ap.locality.name_zh} {ap.year}：{title}"
        else:
            subject_id, label = row.milestone_id or "", f"{ap.locality.name_zh} {ap.year}：{title}"
        yield Event(
            at=row.at,
            type=f"{subject}.{verb}",
            actor=row.user,
            actor_name=_name(row.user),
            source=source if source in SOURCES else "web",
            source_detail=detail or ("" if source in SOURCES else row.source),
            plan_code=ap.plan.code,
            locality_code=ap.locality.code,
            period_code=str(ap.year),
            subject_type=subject,
            subject_id=str(subject_id),
            subject_label=label,
            old=row.old,
            new=row.new,
            comment=(row.new or {}).get("comment", "") if subject == "progress_update" else "",
        )


def forward(apps, schema_editor):
    Event = apps.get_model("kernel", "AuditEvent")
    events = [
        *value_events(apps, Event),
        *ledger_events(apps, Event),
        *supervision_events(apps, Event),
    ]
    events.sort(key=lambda e: e.at)  # stable: each table's own order kept within a moment
    Event.objects.bulk_create(events, batch_size=2000)


def backward(apps, schema_editor):
    apps.get_model("kernel", "AuditEvent").objects.filter(
        subject_type__in=["value", "ledger_row", "action_plan", "milestone", "progress_update"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kernel", "0001_initial"),
        ("reporting", "0005_approvals"),
        ("ledgers", "0004_ledgeritem_approvals"),
        ("supervision", "0003_progress_update_review"),
    ]

    operations = [migrations.RunPython(forward, backward)]
