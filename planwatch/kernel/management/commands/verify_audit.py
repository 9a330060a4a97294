"""planwatch verify_audit: walk the audit log's hash chain and name the first broken link."""

from __future__ import annotations

from typing import Any

from planwatch.cli import Command as PlanWatchCommand
from planwatch.core.errors import PlanWatchError
from planwatch.kernel import audit


class Command(PlanWatchCommand):
    help = (
        "Check that no audit event was edited, deleted or inserted: walk the hash chain, oldest event "
        "first. Exit status 0 and the last hash when the chain is whole (note the hash: a later run "
        "must reach it again); status 1 and the first broken link when not."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        walk = audit.verify()
        if walk.broken is not None:
            raise PlanWatchError(*walk.broken.describe())
        self.stdout.write(
            f"审计日志完整：{walk.count} 个事件，最后哈希 {walk.head or '-'}\n"
            f"The audit log is intact: {walk.count} events, last hash {walk.head or '-'}"
        )
