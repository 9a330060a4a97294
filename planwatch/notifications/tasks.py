"""The daily digest on the job runner: `planwatch send_digest --queue` (cron) enqueues it; a worker
(`planwatch db_worker`) sends it, the same `delivery.send_digest` as `planwatch send_digest`."""

from __future__ import annotations

from django_tasks import task

from .delivery import send_digest


def sent(count: int) -> str:
    """What a digest run did, in both languages."""
    return f"已发送 {count} 封汇总邮件 / {count} digest e-mail(s) sent"


@task()
def digest() -> str:
    return sent(send_digest())
