"""The review kernel: one state machine for everything that is reviewed, and one transition().

Reported values, ledger rows, progress updates and target breakdowns are *subjects*: each kind is one
row, a `SubjectKind`, naming its model and what is particular to it. The moves are the same for all:

    draft ──submit──► submitted ──approve──► approved ──accept──► accepted (locked)
      ▲                  │  ▲ approve (a further level)│                │
      └──── returned ◄───┴──┴───────── return ─────────┴──── reopen ────┘

What the province issues (a bulletin, 通报) has states and moves of its own, `IssueState` and
`ISSUE_MOVES` (draft ──issue──► issued ──withdraw / supersede──► withdrawn / superseded), moved by the
same transition().

`transition()` locks the subjects, checks every one of them (the move exists from its state, the
user holds the move's permission for it, a comment where one is needed, the kind's own guards),
refuses with every problem at once or moves them all, writes one audit event per subject and, once
committed, sends one `transitioned` signal. Permissions are named rules (`value.approve`, …) that
planwatch.accounts.permissions defines; the kernel only asks for them by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.permissions import has_perm

from planwatch.core.errors import CommentRequired, IllegalTransition, NotAllowed, PlanWatchError, refuse
from planwatch.kernel import audit


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


EDITABLE = frozenset({State.DRAFT, State.RETURNED})  # the reporter's own: written, never seen by others
REPORTED = (State.SUBMITTED, State.APPROVED, State.ACCEPTED)  # sent on: what counts as reported

STATE_WORDS: dict[str, tuple[str, str]] = {
    State.DRAFT: ("草稿", "draft"),
    State.SUBMITTED: ("已提交", "submitted"),
    State.APPROVED: ("已审核", "approved"),
    State.ACCEPTED: ("已确认", "accepted"),
    State.RETURNED: ("已退回", "returned"),
}


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    APPROVE = "approve", _("Approve")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return")


ACTION_WORDS: dict[str, tuple[str, str]] = {
    Action.SUBMIT: ("提交", "submitted"),
    Action.APPROVE: ("审核", "approved"),
    Action.ACCEPT: ("确认", "accepted"),
    Action.RETURN: ("退回", "returned"),
}


# --- issuing: what the province sends out (a bulletin, 通报) -----------------------------------------
# A document the province issues is not reviewed but issued (签发): a draft until issued, then frozen;
# an issued one can be withdrawn or superseded with a reason, never changed. Its own states and
# moves, in the same transition(): checked, permissioned and audited alike.


class IssueState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")


class IssueAction(models.TextChoices):
    ISSUE = "issue", _("Issue")
    WITHDRAW = "withdraw", _("Withdraw")
    SUPERSEDE = "supersede", _("Supersede")


STATE_WORDS.update(
    {
        IssueState.ISSUED: ("已签发", "issued"),
        IssueState.WITHDRAWN: ("已撤回", "withdrawn"),
        IssueState.SUPERSEDED: ("已被替代", "superseded"),
    }
)
ACTION_WORDS.update(
    {
        IssueAction.ISSUE: ("签发", "issued"),
        IssueAction.WITHDRAW: ("撤回", "withdrawn"),
        IssueAction.SUPERSEDE: ("替代", "superseded"),
    }
)
ACTIONS: dict[str, str] = {a.value: a for a in (*Action, *IssueAction)}  # every action, by its code


@dataclass(frozen=True)
class Move:
    """One row of the transition table: `action` takes a subject from `source` to `target` for a
    user holding the permission `<kind>.<permission>`."""

    action: str  # an Action or an IssueAction
    source: str  # a State or an IssueState
    target: str
    permission: str
    needs_comment: bool = False


MOVES: tuple[Move, ...] = (
    Move(Action.SUBMIT, State.DRAFT, State.SUBMITTED, "submit"),
    Move(Action.SUBMIT, State.RETURNED, State.SUBMITTED, "submit"),
    Move(Action.APPROVE, State.SUBMITTED, State.APPROVED, "approve"),
    Move(Action.ACCEPT, State.APPROVED, State.ACCEPTED, "accept"),
    Move(Action.RETURN, State.SUBMITTED, State.RETURNED, "approve", needs_comment=True),
    Move(Action.RETURN, State.APPROVED, State.RETURNED, "accept", needs_comment=True),
    Move(Action.RETURN, State.ACCEPTED, State.RETURNED, "reopen", needs_comment=True),
)

# Issuing: the province issues a draft (numbered then), withdraws or supersedes an issued one, with a
# reason. Nothing moves back to a draft: an issued document is never changed.
ISSUE_MOVES: tuple[Move, ...] = (
    Move(IssueAction.ISSUE, IssueState.DRAFT, IssueState.ISSUED, "issue"),
    Move(IssueAction.WITHDRAW, IssueState.ISSUED, IssueState.WITHDRAWN, "withdraw", needs_comment=True),
    Move(IssueAction.SUPERSEDE, IssueState.ISSUED, IssueState.SUPERSEDED, "withdraw", needs_comment=True),
)


@dataclass(frozen=True)
class Step:
    """One call of transition(): who does what, with which comment, through what, on which day."""

    kind: SubjectKind
    user: Any
    action: str  # a member of Action or IssueAction
    comment: str
    via: audit.Via
    today: dt.date


Guard = Callable[[Step, Sequence[Any]], list[PlanWatchError]]
After = Callable[[Step, Sequence[Any]], None]


def _one_level(subject: Any) -> int:
    return 1


def _no_facts(subject: Any) -> dict[str, Any]:
    return {}


def _nothing(step: Step, subjects: Sequence[Any]) -> list[PlanWatchError]:
    return []


def _no_after(step: Step, subjects: Sequence[Any]) -> None:
    return None


@dataclass(frozen=True)
class SubjectKind:
    """A kind of subject of review: one registry row.

    - `name` prefixes its permissions (`value.approve`) and its audit events (`value.approve`);
    - `noun` names one of them in messages, in Chinese and English;
    - `moves`: the rows of MOVES it allows (a reported value has no `reopen`: it is revised instead);
    - `levels(subject)`: how many approvals it needs (the plan's approval chain for its locality);
    - `audit_subject(subject)`: what its events are about;
    - `guard(step, subjects)`: its own checks before a move, every problem returned;
    - `after(step, subjects)`: what follows a move (a return's comment kept beside a value …);
    - `queryset()`: how to read the subjects for a move (select_related what guards need);
    - `facts(subject)`: what its audit events record beside its state (a value's number).
    """

    name: str
    noun: tuple[str, str]
    model: type[models.Model]
    audit_subject: Callable[[Any], audit.Subject]
    moves: tuple[Move, ...] = MOVES
    state_field: str = "status"
    levels: Callable[[Any], int] = _one_level
    guard: Guard = _nothing
    after: After = _no_after
    queryset: Callable[[], models.QuerySet[Any]] | None = None
    facts: Callable[[Any], dict[str, Any]] = _no_facts

    def event(self, action: str) -> str:
        """The type of the audit event a move writes: `value.submit`, `value.return` …"""
        return f"{self.name}.{action}"

    def move(self, state: str, action: str) -> Move | None:
        return next((m for m in self.moves if m.source == state and m.action == action), None)

    def sources(self, action: str) -> list[str]:
        return [m.source for m in self.moves if m.action == action]

    def may(self, user: Any, subject: Any, action: str) -> bool:
        """Whether the user may take `action` on the subject now (for buttons; transition() checks)."""
        move = self.move(getattr(subject, self.state_field), action)
        return move is not None and allowed(f"{self.name}.{move.permission}", user, subject)

    def actions(self, user: Any, subject: Any) -> list[str]:
        """Every action the user may take on the subject now."""
        return [a for a in dict.fromkeys(m.action for m in self.moves) if self.may(user, subject, a)]


def allowed(permission: str, user: Any, obj: Any = None) -> bool:
    """Whether the named permission (planwatch.accounts.permissions defines them all) holds."""
    return bool(has_perm(permission, user, obj))  # type: ignore[no-untyped-call]


# Sent once a transition is committed: the notifications listen (kind, action, subjects, actor, comment).
transitioned = Signal()


@dataclass
class Moved:
    """What transition() did: the subjects moved, each from its state to its new one."""

    subjects: list[Any] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.subjects)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.subjects)


def refusal(kind: SubjectKind, subject: Any, action: str) -> IllegalTransition:
    """The subject's state does not allow the action: “只有草稿或已退回的条目可以提交”."""
    zh_states = "或".join(STATE_WORDS[s][0] for s in kind.sources(action))
    en_states = " or ".join(STATE_WORDS[s][1] for s in kind.sources(action))
    verb_zh, verb_en = ACTION_WORDS[action]
    label = kind.audit_subject(subject).label
    return IllegalTransition(
        f"{label}：只有{zh_states}的{kind.noun[0]}可以{verb_zh}",
        f"{label}: only a {en_states} {kind.noun[1]} can be {verb_en}",
    )


def forbidden(kind: SubjectKind, subject: Any, action: str) -> NotAllowed:
    verb_zh, verb_en = ACTION_WORDS[action]
    label = kind.audit_subject(subject).label
    return NotAllowed(
        f"您无权{verb_zh}{label}",
        f"you may not have {label} {verb_en}" if action != Action.RETURN else f"you may not return {label}",
    )


def comment_required(action: str) -> CommentRequired:
    verb_zh, verb_en = ACTION_WORDS[action]
    return CommentRequired(f"{verb_zh}须填写意见", f"a {ACTIONS[action]} needs a comment")


def _check(step: Step, subjects: Sequence[Any]) -> tuple[list[tuple[Any, Move]], list[PlanWatchError]]:
    kind, user = step.kind, step.user
    planned: list[tuple[Any, Move]] = []
    problems: list[PlanWatchError] = []
    for subject in subjects:
        move = kind.move(getattr(subject, kind.state_field), step.action)
        if move is None:
            problems.append(refusal(kind, subject, step.action))
        elif not allowed(f"{kind.name}.{move.permission}", user, subject):
            problems.append(forbidden(kind, subject, step.action))
        else:
            planned.append((subject, move))
    if any(move.needs_comment for _s, move in planned) and not step.comment:
        problems.append(comment_required(step.action))
    return planned, problems


def _apply(step: Step, subject: Any, move: Move) -> None:
    kind = step.kind
    old = getattr(subject, kind.state_field)
    target = move.target
    columns = {f.name for f in subject._meta.concrete_fields}
    fields = [kind.state_field]
    if "approvals" in columns:
        # A further level of approval keeps the subject submitted until the last level approves.
        if move.action == Action.APPROVE:
            subject.approvals += 1
            if subject.approvals < kind.levels(subject):
                target = State.SUBMITTED
        elif move.action in (Action.SUBMIT, Action.RETURN):
            subject.approvals = 0  # the chain starts again
        fields.append("approvals")
    setattr(subject, kind.state_field, target)
    if "version" in columns:
        subject.version += 1
        fields.append("version")
    if "updated_by" in columns:
        subject.updated_by = step.user
        fields.append("updated_by")
    if "updated_at" in columns:
        fields.append("updated_at")
    subject.save(update_fields=fields)
    facts = kind.facts(subject)
    new = {**facts, "state": target, **({"approvals": subject.approvals} if "approvals" in columns else {})}
    audit.record(
        kind.event(move.action),
        step.user,
        kind.audit_subject(subject),
        via=step.via,
        old={**facts, "state": old},
        new=new,
        comment=step.comment,
    )


def transition(
    kind: SubjectKind,
    user: Any,
    subjects: Sequence[Any],
    action: str,
    *,
    comment: str = "",
    via: audit.Via = audit.WEB,
    today: dt.date | None = None,
) -> Moved:
    """Move every subject by `action`, all or nothing: lock, check (every problem at once), move,
    audit; after commit, tell the listeners of `transitioned`."""
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not an action of the review kernel")
    step = Step(kind, user, ACTIONS[action], comment.strip(), via, today or timezone.localdate())
    with transaction.atomic():
        rows = kind.queryset() if kind.queryset else kind.model._default_manager.all()
        locked = list(
            rows.select_for_update(of=("self",)).filter(pk__in=[s.pk for s in subjects]).order_by("pk")
        )
        planned, problems = _check(step, locked)
        problems += kind.guard(step, [s for s, _m in planned]) if planned else []
        refuse(problems)
        for subject, move in planned:
            _apply(step, subject, move)
        moved = [s for s, _m in planned]
        kind.after(step, moved)
        if moved:
            ids = [s.pk for s in moved]
            transaction.on_commit(
                lambda: transitioned.send(
                    sender=kind.model,
                    kind=kind.name,
                    action=step.action,
                    ids=ids,
                    actor=user,
                    comment=step.comment,
                )
            )
    return Moved(moved)
