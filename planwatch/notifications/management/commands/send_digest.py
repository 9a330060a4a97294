from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from planwatch.notifications.delivery import send_digest


class Command(BaseCommand):
    help = (
        "Send the daily digest: one e-mail to each user who chose it, of the notifications kept for "
        "it since the last run (run it once a day from cron; docs/notifications.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_digest()
        self.stdout.write(f"已发送 {sent} 封汇总邮件 / {sent} digest e-mail(s) sent")
