"""A draft bulletin's page (/plans/<code>/bulletins/<id>/) on an existing database.

    DATABASE_URL=sqlite:////path/synth.sqlite3 .venv/bin/python benchmarks/bench_bulletin_page.py \
        synth-300x100x10-s0 --repeat 3

The plan must be loaded with its sample data (`planwatch synth_plan`, `load_plan`, `load_sample`).
The first time, a draft of the latest year with accepted values is built (XLSX only, no
sensitivity, to keep the set-up short) and kept; then the page is asked for as the province's
admin would ask for it: the median seconds of --repeat runs, the bytes and the queries — as it is
(the page kept with the files), and with `--remade` also as a bulletin kept before pages were (its
kept page set aside for the while: the content made again from the run, per view).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.settings")

import django  # noqa: E402

django.setup()

from bench_national import measure  # noqa: E402 - the one page timer of the benchmarks
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from planwatch.accounts.models import Profile  # noqa: E402
from planwatch.bulletins.models import Bulletin, BulletinPreview  # noqa: E402
from planwatch.bulletins.services import build_bulletin  # noqa: E402
from planwatch.dashboards.data import latest_accepted_year  # noqa: E402
from planwatch.evaluation.runs import parameters_from_options  # noqa: E402
from planwatch.plans.models import Plan  # noqa: E402

USER = "bench-province"


def draft(plan: Plan, user: object) -> Bulletin:
    found = Bulletin.objects.filter(plan=plan, state=Bulletin.State.DRAFT).order_by("-id").first()
    if found is not None:
        return found
    year = latest_accepted_year(plan)
    started = time.perf_counter()
    built = build_bulletin(
        plan, str(year), formats=["xlsx"], user=user, params=parameters_from_options(sensitivity=False)
    )
    print(f"built draft #{built.pk} of {year} in {time.perf_counter() - started:.1f} s")
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--remade", action="store_true", help="also time the page made from the run")
    args = parser.parse_args()
    setup_test_environment()
    plan = Plan.objects.get(code=args.plan)
    user, made = get_user_model().objects.get_or_create(username=USER)
    if made:
        Profile.objects.create(user=user, role=Profile.Role.PROVINCE_ADMIN)
    bulletin = draft(plan, user)
    client = Client()
    client.force_login(user)
    url = reverse("bulletins:detail", args=[plan.code, bulletin.pk])
    median, size, queries, status = measure(client, url, args.repeat)
    print(
        f"{plan.code} draft #{bulletin.pk}, kept page: {median:.2f} s (median of {args.repeat}), "
        f"{size:,} bytes, {queries} queries, status {status}"
    )
    if args.remade:
        kept = BulletinPreview.objects.get(bulletin=bulletin)
        kept.delete()
        try:
            median, size, queries, status = measure(client, url, args.repeat)
        finally:
            BulletinPreview.objects.create(bulletin=bulletin, data=kept.data)
        print(
            f"{plan.code} draft #{bulletin.pk}, made from the run: {median:.2f} s (median of "
            f"{args.repeat}), {size:,} bytes, {queries} queries, status {status}"
        )


if __name__ == "__main__":
    main()
