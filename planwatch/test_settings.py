"""Settings for the test suite: the production settings with test-only defaults filled in."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from planwatch.settings import *  # noqa: E402,F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# django-axes stays on (the browser tests log in through the real form); the test client's
# login() passes no request, so tests call client.login(request=HttpRequest(), …) or force_login.

# Serve static files straight from the apps in tests (no collectstatic), live server included.
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Jobs run where they are started, so a test sees an import end as the page redirects to it; the
# database backend and its worker are tested on their own (tests/test_jobs.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Each test's plan map is made afresh (no map files kept under var/ between runs).
PLANWATCH_MAP_CACHE_DIR = ""
# Nothing kept between views (planwatch.kernel.unchanged): tests change rows without actions, which
# write no audit event; the tests of the cache itself turn it on.
PLANWATCH_CACHE_SECONDS = 0
