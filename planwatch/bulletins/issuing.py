"""Issuing bulletins as an office does (签发): every change of a bulletin is one action here, in one
transaction, writing one audit event, with its permission from planwatch.accounts.permissions.

- A bulletin is made a **draft** (services.build_bulletin): its office's words prefilled from the
  evaluation, no number. A draft is previewed, its words edited (`edit_words`), made again from the
  current data (`regenerate_draft`) and deleted (`delete_draft`) — by the province.
- `issue` (签发) is a move of the review kernel (planwatch.kernel.review, `ISSUE_MOVES`): it gives the
  draft the next number of its plan, year and series (2019年第1期) — numbers are given here and
  nowhere else, under a lock of the plan, so two issues never share one —, its 文号, 发文机关,
  主送 and 抄送, the 签发人 and the day, writes the files with them and freezes it.
- `withdraw` and `supersede` (by a later bulletin) move an issued bulletin with a reason. Nothing
  moves it back: an issued bulletin's number, words and files never change and it is never deleted.
- `bulletins_for(user)`: the issued bulletins addressed to the user's locality or unit (for an inbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from planwatch.accounts.permissions import addressed_to, bulletin_scope, has_perm
from planwatch.bulletins import services
from planwatch.bulletins.models import WORDS, Bulletin, BulletinAddressee, BulletinFile
from planwatch.core.bulletin import IssueInfo
from planwatch.core.bulletin.content import TO_WRITE
from planwatch.core.errors import (
    CommentRequired,
    Conflict,
    IllegalTransition,
    Issue,
    Kind,
    Locked,
    NotAllowed,
    Refused,
)
from planwatch.kernel import audit
from planwatch.kernel.review import (
    ISSUE_MOVES,
    IssueAction,
    IssueState,
    Step,
    SubjectKind,
    forbidden,
    refusal,
    transition,
)
from planwatch.plans.models import Locality, Plan, Unit

__all__ = [
    "BULLETIN",
    "Addressees",
    "IssueForm",
    "bulletins_for",
    "delete_draft",
    "edit_words",
    "issue",
    "next_number",
    "regenerate_draft",
    "supersede",
    "withdraw",
]


# --- the subject of the kernel ---------------------------------------------------------------------


def _facts(b: Bulletin) -> dict[str, Any]:
    """What a move's audit event records beside the state: the number and what issuing gave."""
    return {
        "number": b.number_label if b.number is not None else None,
        "series": b.series,
        "document_number": b.document_number,
        "signed_by": b.signed_by,
        "issued_on": b.issued_on.isoformat() if b.issued_on else None,
        "superseded_by": b.superseded_by_id,
    }


def _after(step: Step, subjects: Sequence[Bulletin]) -> None:
    """A withdrawal's or supersession's reason stays on the bulletin."""
    if step.action in (IssueAction.WITHDRAW, IssueAction.SUPERSEDE):
        for b in subjects:
            b.reason = step.comment
            b.save(update_fields=["reason"])


BULLETIN = SubjectKind(
    name="bulletin",
    noun=("通报", "bulletin"),
    model=Bulletin,
    audit_subject=Bulletin.audit_subject,
    moves=ISSUE_MOVES,
    state_field="state",
    after=_after,
    facts=_facts,
    queryset=lambda: Bulletin.objects.select_related("plan"),
)


# --- reading -----------------------------------------------------------------------------------------


def visible(user: Any, plan: Plan | None = None) -> QuerySet[Bulletin]:
    """The bulletins the user may see (`bulletin.view`): the province all of them, drafts too;
    anyone else the issued ones (and those since withdrawn or superseded) addressed to them."""
    rows = Bulletin.objects.all() if plan is None else Bulletin.objects.filter(plan=plan)
    scope = bulletin_scope(user)
    if scope is not None:
        rows = rows.filter(pk__in=Bulletin.objects.filter(scope).values("pk"))
    return rows


def bulletins_for(user: Any, plan: Plan | None = None) -> QuerySet[Bulletin]:
    """The issued bulletins (not withdrawn or superseded) whose 主送 or 抄送 names the user's locality
    or unit, newest first: what an inbox lists for a locality's or a lead unit's user. Empty for
    anyone else (the province issues them; it does not receive them)."""
    to = addressed_to(user)
    if to is None:
        return Bulletin.objects.none()
    rows = Bulletin.objects.filter(state=IssueState.ISSUED).filter(
        pk__in=Bulletin.objects.filter(to).values("pk")
    )
    if plan is not None:
        rows = rows.filter(plan=plan)
    return rows.select_related("plan").order_by("-issued_on", "-id")


def next_number(plan: Plan, year: int, series: str) -> int:
    """The next number of the plan's series in the year: one more than the last issued."""
    last = Bulletin.objects.filter(plan=plan, year=year, series=series).aggregate(m=Max("number"))["m"]
    return (last or 0) + 1


# --- the draft's actions -----------------------------------------------------------------------------


def _draft(user: Any, bulletin: Bulletin, permission: str, verb: tuple[str, str]) -> Bulletin:
    """The bulletin locked for the caller's transaction, if it is a draft the user may change."""
    locked = Bulletin.objects.select_for_update().select_related("plan", "run").get(pk=bulletin.pk)
    label = locked.audit_subject().label
    if not has_perm(permission, user, locked):
        raise NotAllowed(f"您无权{verb[0]}{label}", f"you may not {verb[1]} {label}")
    if not locked.is_draft:
        raise Locked(
            f"{label}已签发，不能{verb[0]}（可撤回或以新一期替代）",
            f"{label} is issued: it cannot be {verb[1]}d (withdraw it, or supersede it by a new one)",
        )
    return locked


def edit_words(
    user: Any, bulletin: Bulletin, words: dict[str, str], *, via: audit.Via = audit.WEB
) -> Bulletin:
    """The province's own words of a draft (总体评价, 主要做法和成效, 存在问题, 下一步工作): the
    sections given are replaced. Its files are then out of date until made again (or issued)."""
    unknown = [key for key in words if key not in WORDS]
    if unknown:
        raise Refused(
            [Issue(Kind.INVALID, f"没有此部分：{k}", f"no such section: {k}", path=k) for k in unknown]
        )
    with transaction.atomic():
        b = _draft(user, bulletin, "bulletin.edit", ("修改", "change"))
        old = {k: getattr(b, k) for k in words}
        new = {k: (v or "").strip() for k, v in words.items()}
        if old == new:
            return b
        for key, text in new.items():
            setattr(b, key, text)
        b.version += 1
        b.files_current = False
        b.save(update_fields=[*new, "version", "files_current"])
        changed = [k for k in new if old[k] != new[k]]
        audit.record(
            "bulletin.update",
            user,
            b.audit_subject(),
            via=via,
            old={k: old[k] for k in changed},
            new={k: new[k] for k in changed},
        )
        return b


def may_regenerate(user: Any, bulletin: Bulletin) -> None:
    """Raises unless the user may make the draft again now (checked before the work is queued)."""
    with transaction.atomic():
        _draft(user, bulletin, "bulletin.edit", ("重新生成", "regenerate"))


def regenerate_draft(
    user: Any, bulletin: Bulletin, *, refill: bool = False, via: audit.Via = audit.WEB, progress: Any = None
) -> Bulletin:
    """A draft made again from the data as it is now: its period evaluated again with the cited
    run's parameters and statuses (a stored identical run is reused), judged as of today, its files
    written again. Its words are kept (edited by the province) unless `refill`: then prefilled again."""
    may_regenerate(user, bulletin)  # checked before the work
    b = Bulletin.objects.select_related("plan", "run").get(pk=bulletin.pk)
    version = b.version
    which = services.period_of(b.plan, b.period_code)
    run = services.cited_run(
        b.plan,
        which,
        run=None,
        params=b.run.params,
        include_unaccepted=b.includes_unaccepted,
        user=user,
        progress=progress or services._quiet,
    )
    as_of = timezone.localdate()
    content, files = services.render(
        b.plan,
        which,
        run,
        as_of,
        None,
        b.formats,
        progress or services._quiet,
        series=services.series_zh(b.series),
        words=None if refill else services.words_of(b),
    )
    with transaction.atomic():
        b = _draft(user, b, "bulletin.edit", ("重新生成", "regenerate"))
        old = {"run": b.run_id, "as_of": b.as_of.isoformat()}
        b.run, b.as_of = run, as_of
        b.data_version, b.data_hash = run.data_version, run.data_hash
        b.sample = run.sample
        b.title = f"{content.title} {content.subtitle}"
        if refill:
            for key in WORDS:
                setattr(b, key, content.words.text(key))
        # words edited while the files were written: they do not hold the edit
        b.files_current = refill or b.version == version
        b.version += 1
        b.save()
        services.store(b, content, files)
        audit.record(
            "bulletin.regenerate",
            user,
            b.audit_subject(),
            via=via,
            old=old,
            new={"run": run.pk, "as_of": as_of.isoformat(), "words_refilled": refill},
        )
    return b


def delete_draft(user: Any, bulletin: Bulletin, *, via: audit.Via = audit.WEB) -> None:
    """A draft deleted with its files (an issued bulletin is never deleted: withdraw it)."""
    with transaction.atomic():
        b = _draft(user, bulletin, "bulletin.delete", ("删除", "delete"))
        subject = b.audit_subject()
        old = {"state": b.state, "run": b.run_id, "as_of": b.as_of.isoformat()}
        files = [f.file for f in BulletinFile.objects.filter(bulletin=b)]
        b.delete()
        audit.record("bulletin.delete", user, subject, via=via, old=old)
        transaction.on_commit(lambda: _remove(files))


def _remove(files: Sequence[Any]) -> None:
    for f in files:
        if f:
            f.delete(save=False)


# --- issuing -----------------------------------------------------------------------------------------


def addressable_localities(plan: Plan) -> QuerySet[Locality]:
    """The localities a bulletin may be addressed to, in the plan's order: the pilot units, and the
    localities whose approvers approve their values (a city above its reporting counties)."""
    approving = [loc.pk for loc in plan.approving_localities()]
    return plan.localities.filter(Q(pilot=True) | Q(pk__in=approving)).order_by("order", "id")


@dataclass(frozen=True)
class Addressees:
    """主送 and 抄送: localities and units of the bulletin's plan, and other bodies by name (抄送)."""

    to_localities: Sequence[Locality] = ()
    to_units: Sequence[Unit] = ()
    copy_localities: Sequence[Locality] = ()
    copy_units: Sequence[Unit] = ()
    copies_other: str = ""

    def rows(self, bulletin: Bulletin) -> list[BulletinAddressee]:
        out: list[BulletinAddressee] = []
        for role, localities, units in (
            (BulletinAddressee.Role.TO, self.to_localities, self.to_units),
            (BulletinAddressee.Role.COPY, self.copy_localities, self.copy_units),
        ):
            out += [
                BulletinAddressee(bulletin=bulletin, role=role, locality=loc, order=len(out) + k)
                for k, loc in enumerate(localities)
            ]
            out += [
                BulletinAddressee(bulletin=bulletin, role=role, unit=unit, order=len(out) + k)
                for k, unit in enumerate(units)
            ]
        return out


@dataclass(frozen=True)
class IssueForm:
    """What issuing asks for: 文号, 签发人, the day, 发文机关 and the addressees."""

    document_number: str
    signed_by: str
    addressees: Addressees
    issued_on: dt.date | None = None
    office: str = ""


def _check_issue(b: Bulletin, form: IssueForm) -> list[Issue]:
    """Every problem of the issue form and of the draft's words, each at its field."""
    problems: list[Issue] = []
    if not form.signed_by.strip():
        problems.append(
            Issue(Kind.INVALID, "请填写签发人", "the signing official is missing", path="signed_by")
        )
    if not form.document_number.strip():
        problems.append(
            Issue(Kind.INVALID, "请填写文号", "the document number is missing", path="document_number")
        )
    if not form.office.strip():
        problems.append(Issue(Kind.INVALID, "请填写发文机关", "the issuing office is missing", path="office"))
    a = form.addressees
    if not (a.to_localities or a.to_units):
        problems.append(Issue(Kind.INVALID, "请选择主送单位", "choose whom it is addressed to", path="to"))
    parties: list[Locality | Unit] = [*a.to_localities, *a.to_units, *a.copy_localities, *a.copy_units]
    foreign = [p.name_zh for p in parties if p.plan_id != b.plan_id]
    if foreign:
        problems.append(
            Issue(
                Kind.INVALID, f"不属于本方案：{'、'.join(foreign)}", f"not of this plan: {', '.join(foreign)}"
            )
        )
    for key, title in WORDS.items():
        text = getattr(b, key)
        if not text.strip():
            problems.append(Issue(Kind.INVALID, f"“{title}”尚未填写", f"“{title}” is empty", path=key))
        elif TO_WRITE in text:
            problems.append(
                Issue(
                    Kind.INVALID,
                    f"“{title}”中仍有待填写的内容（{TO_WRITE}…】）",
                    f"“{title}” still holds a passage to write ({TO_WRITE}…】)",
                    path=key,
                )
            )
    return problems


def as_params(form: IssueForm) -> dict[str, Any]:
    """The form as plain data (a job's params): ids, texts and the day."""
    a = form.addressees
    return {
        "document_number": form.document_number,
        "signed_by": form.signed_by,
        "office": form.office,
        "issued_on": form.issued_on.isoformat() if form.issued_on else None,
        "to_localities": [x.pk for x in a.to_localities],
        "to_units": [x.pk for x in a.to_units],
        "copy_localities": [x.pk for x in a.copy_localities],
        "copy_units": [x.pk for x in a.copy_units],
        "copies_other": a.copies_other,
    }


def from_params(plan: Plan, params: dict[str, Any]) -> IssueForm:
    """The form again from `as_params`, the localities and units read back in their order."""

    def read(rows: Any, ids: list[int]) -> list[Any]:
        found = {x.pk: x for x in rows.filter(pk__in=ids)}
        return [found[i] for i in ids if i in found]

    return IssueForm(
        document_number=params["document_number"],
        signed_by=params["signed_by"],
        office=params["office"],
        issued_on=dt.date.fromisoformat(params["issued_on"]) if params["issued_on"] else None,
        addressees=Addressees(
            to_localities=read(plan.localities.all(), params["to_localities"]),
            to_units=read(plan.units.all(), params["to_units"]),
            copy_localities=read(plan.localities.all(), params["copy_localities"]),
            copy_units=read(plan.units.all(), params["copy_units"]),
            copies_other=params["copies_other"],
        ),
    )


def may_issue(user: Any, b: Bulletin, form: IssueForm) -> None:
    """Every refusal of issuing, checked before the work is queued (issue() checks again)."""
    _may_issue(user, Bulletin.objects.select_related("plan", "run").get(pk=b.pk), form)


def _may_issue(user: Any, b: Bulletin, form: IssueForm) -> None:
    """Raises unless the user may issue the bulletin now with this form: its state and the user's
    permission as the kernel judges them (transition() judges them again), then every problem of
    the form and of the words at once."""
    if BULLETIN.move(b.state, IssueAction.ISSUE) is None:
        raise refusal(BULLETIN, b, IssueAction.ISSUE)
    if not has_perm("bulletin.issue", user, b):
        raise forbidden(BULLETIN, b, IssueAction.ISSUE)
    if problems := _check_issue(b, form):
        raise Refused(problems)


def _info(plan: Plan, form: IssueForm, issued_on: dt.date) -> IssueInfo:
    """What the files will say of the issue, in the order the addressees are stored (issue_info)."""
    a = form.addressees
    return IssueInfo(
        document_number=form.document_number.strip(),
        office=form.office.strip(),
        signed_by=form.signed_by.strip(),
        issued_on=issued_on,
        to=services.addressee_names(plan, a.to_localities, a.to_units),
        copies=services.addressee_names(plan, a.copy_localities, a.copy_units)
        + ((a.copies_other.strip(),) if a.copies_other.strip() else ()),
    )


ATTEMPTS = 3  # another issue of the plan's series may take the number while the files are written


def issue(
    user: Any, bulletin: Bulletin, form: IssueForm, *, via: audit.Via = audit.WEB, progress: Any = None
) -> Bulletin:
    """签发: the draft gets the next number of its year and series, what the form gives, and its files
    written again with them; then it is frozen. All or nothing, every problem at once.

    The files (seconds) are written before the transaction, with the number the series will give;
    the transaction (short) takes the plan's lock, checks that the number is still the next one and
    the draft unchanged (else writes them again), numbers, moves, audits and stores the files."""
    for _attempt in range(ATTEMPTS):
        b = Bulletin.objects.select_related("plan", "run").get(pk=bulletin.pk)
        _may_issue(user, b, form)
        number = next_number(b.plan, b.year, b.series)
        issued_on = form.issued_on or timezone.localdate()
        content, files = services.render(
            b.plan,
            services.period_of(b.plan, b.period_code),
            b.run,
            b.as_of,
            number,
            b.formats,
            progress or services._quiet,
            series=services.series_zh(b.series),
            issue=_info(b.plan, form, issued_on),
            words=services.words_of(b),
        )
        with transaction.atomic():
            Plan.objects.select_for_update().get(pk=b.plan_id)  # one issue of a plan at a time
            locked = Bulletin.objects.select_for_update().select_related("plan", "run").get(pk=b.pk)
            if locked.version != b.version or next_number(b.plan, b.year, b.series) != number:
                continue  # edited, or another issue took the number meanwhile: write them again
            _may_issue(user, locked, form)
            locked.number = number
            locked.document_number = form.document_number.strip()
            locked.signed_by = form.signed_by.strip()
            locked.office = form.office.strip()
            locked.issued_on = issued_on
            locked.issued_by = user if getattr(user, "is_authenticated", False) else None
            locked.copies_other = form.addressees.copies_other.strip()
            locked.title = f"{content.title} {content.subtitle}"
            locked.files_current = True
            locked.save()
            BulletinAddressee.objects.filter(bulletin=locked).delete()
            BulletinAddressee.objects.bulk_create(form.addressees.rows(locked))
            moved = transition(BULLETIN, user, [locked], IssueAction.ISSUE, via=via)  # checks, moves, audits
            issued: Bulletin = moved.subjects[0]
            services.store(issued, content, files)
            return issued
    raise Conflict(
        "同一系列的其他通报正在签发或本通报刚被修改，请重试",
        "another bulletin of the series was being issued, or this one was just changed: try again",
    )


def withdraw(user: Any, bulletin: Bulletin, reason: str, *, via: audit.Via = audit.WEB) -> Bulletin:
    """An issued bulletin withdrawn (撤回), with the reason; it keeps its number and files."""
    moved = transition(BULLETIN, user, [bulletin], IssueAction.WITHDRAW, comment=reason, via=via)
    return moved.subjects[0]  # type: ignore[no-any-return]


def supersede(
    user: Any, bulletin: Bulletin, by: Bulletin, reason: str, *, via: audit.Via = audit.WEB
) -> Bulletin:
    """An issued bulletin superseded (替代) by another issued bulletin of the plan, with the reason."""
    if not reason.strip():
        raise CommentRequired("替代须填写理由", "a supersession needs a reason")
    with transaction.atomic():
        replacement = Bulletin.objects.select_for_update().get(pk=by.pk)
        label = replacement.audit_subject().label
        if replacement.pk == bulletin.pk or replacement.plan_id != bulletin.plan_id:
            raise IllegalTransition(
                f"{label}不能替代{bulletin.audit_subject().label}",
                f"{label} cannot supersede {bulletin.audit_subject().label}",
            )
        if replacement.state != IssueState.ISSUED:
            raise IllegalTransition(
                f"{label}尚未签发（或已撤回、已被替代），不能用来替代其他通报",
                f"{label} is not issued (or withdrawn, or superseded): it cannot supersede another",
            )
        Bulletin.objects.filter(pk=bulletin.pk, state=IssueState.ISSUED).update(superseded_by=replacement)
        moved = transition(BULLETIN, user, [bulletin], IssueAction.SUPERSEDE, comment=reason, via=via)
        return moved.subjects[0]  # type: ignore[no-any-return]
