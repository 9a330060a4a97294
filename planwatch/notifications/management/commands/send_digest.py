from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from planwatch.cli import Command as PlanWatchCommand
from planwatch.cli import add_queue_argument, say_queued
from planwatch.notifications.delivery import send_digest
from planwatch.notifications.tasks import digest, sent


class Command(PlanWatchCommand):
    help = (
        "Send the daily digest: one e-mail to each user who chose it, of the notifications kept for "
        "it since the last run (run it once a day from cron; docs/notifications.md). With --queue, a "
        "worker (planwatch db_worker) sends it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_queue_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            say_queued(self, digest.enqueue())
            return
        self.stdout.write(sent(send_digest()))
