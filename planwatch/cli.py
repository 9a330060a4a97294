"""The `planwatch` console script: Django's management commands, with start-up errors made readable."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"planwatch: configuration error: {exc}\n")
        raise SystemExit(2) from None
    execute_from_command_line(["planwatch", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
