"""Django settings for PlanWatch. Every deployment-specific value comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from planwatch.config import env_bool, env_database, env_list, env_number, env_str, env_time_zone

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PLANWATCH_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set it to a long random string, e.g. "
            "export SECRET_KEY=$(cat var/secret_key) after `make demo` (or DEBUG=1 for development)"
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ["http://127.0.0.1:8000", "http://localhost:8000"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # its bundled Swagger UI files, so that /api/v1/docs loads nothing from a CDN
    "axes",  # failed logins counted, and a user locked out after too many (see "Logins" below)
    "csp",
    "django_tasks",
    "django_tasks_db",
    "planwatch.kernel",
    "planwatch.accounts",
    "planwatch.notifications",
    "planwatch.plans",
    "planwatch.reporting",
    "planwatch.evaluation",
    "planwatch.ledgers",
    "planwatch.supervision",
    "planwatch.breakdown",
    "planwatch.bulletins",
    "planwatch.inbox",
    "planwatch.dashboards",
    "planwatch.demo",
    "planwatch.web",
    "planwatch.api",
]

MIDDLEWARE = [
    # First: GET /healthz answers before any session, login, host check or HTTPS redirect.
    "planwatch.kernel.health.middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "planwatch.api.errors.ApiErrorBodies",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "planwatch.web.middleware.renew_idle_session",
    "planwatch.web.middleware.chinese_first",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "planwatch.kernel.replica.DashboardReadsMiddleware",  # the dashboards read the replica, if set
    "planwatch.kernel.unchanged.middleware",  # a reading request reads the data mark once
    "planwatch.kernel.audit.bounded_writes",  # a request's write waits a bounded time for the audit log
    "django.contrib.messages.middleware.MessageMiddleware",
    "planwatch.web.middleware.RejectMalformedInput",
    "planwatch.web.kept.KeptPages",  # the most-read pages kept while the data have not changed
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "planwatch.web.middleware.PlanWatchErrors",
    "axes.middleware.AxesMiddleware",  # last: it turns a locked-out login into the lockout page
]

ROOT_URLCONF = "planwatch.urls"
WSGI_APPLICATION = "planwatch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "planwatch.web.context_processors.sample_data",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", VAR_DIR / "planwatch.sqlite3")}
# An optional read replica of the primary (PostgreSQL streaming replication, say): the dashboards'
# pages read from it, everything else uses the primary (planwatch/kernel/replica.py). In tests it
# mirrors the primary.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = {
        **env_database("DATABASE_REPLICA_URL", VAR_DIR / "planwatch.sqlite3"),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["planwatch.kernel.replica.DashboardReadsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Long work (large imports, bulletin builds) runs on the job runner: django-tasks with its database
# backend, so no other server; `planwatch db_worker` runs the queue (docs/jobs.md).
TASKS = {"default": {"BACKEND": env_str("PLANWATCH_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Logins (README, "Logins"). Every password set anywhere (the users page, the password page, the
# commands, the Django admin) is held to these validators: 12 characters at least, not a common
# password, not all digits, not like the user's name. The last one is not a check: Django calls
# it after any password change, and it revokes the user's API tokens.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "planwatch.accounts.passwords.MinimumLength",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "planwatch.accounts.passwords.RevokeApiTokensOnChange"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "web:login"

# django-axes counts failed logins per user name (whatever the address, so that many addresses
# cannot share out the guesses); after PLANWATCH_LOGIN_FAILURES of them the user is locked out
# for PLANWATCH_LOCKOUT_MINUTES, the right password included; a successful login resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env_number("PLANWATCH_LOGIN_FAILURES", 5, minimum=1))
AXES_COOLOFF_TIME = timedelta(minutes=env_number("PLANWATCH_LOCKOUT_MINUTES", 15, minimum=1))
# By user name only, deliberately: officials of one office share an address (NAT, the proxy), and
# locking an address would lock them all out for one person's typing. axes.W006 warns about a
# lockout that rotating user agents or cookies can dodge; the user name cannot be rotated.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "planwatch.accounts.views.locked_out"
AXES_VERBOSE = False

# A session ends after PLANWATCH_IDLE_MINUTES without a request (each request renews it) and
# when the browser closes.
SESSION_COOKIE_AGE = int(env_number("PLANWATCH_IDLE_MINUTES", 60, minimum=1) * 60)
SESSION_SAVE_EVERY_REQUEST = False  # renewed at most once a minute: web.middleware.renew_idle_session
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# API tokens expire this many days after they are issued (docs/api.md).
PLANWATCH_API_TOKEN_DAYS = int(env_number("PLANWATCH_API_TOKEN_DAYS", 90, minimum=1))

# Chinese first: officials work in Simplified Chinese; English is the switch.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "planwatch" / "locale"]
USE_I18N = True
TIME_ZONE = env_time_zone("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Files from npm packages (ECharts, the boundaries of the maps), copied there by `make install`.
VENDOR_DIR = BASE_DIR / "vendor"
STATICFILES_DIRS = [("vendor/echarts", VENDOR_DIR / "echarts")]
# The boundaries each plan's map is drawn from (provinces' cities, cities' counties): read by the
# server, which serves each plan the few it needs (planwatch/plans/maps.py), never served whole.
PLANWATCH_MAPS_DIR = VENDOR_DIR / "maps"
# Each plan's map once made (a national plan's reads some 200 MB of county files: a minute), kept
# on disk by its places so that a new process or worker reads it rather than make it again; empty:
# kept in memory only.
PLANWATCH_MAP_CACHE_DIR = env_str("PLANWATCH_MAP_CACHE_DIR", str(VAR_DIR / "cache" / "maps"))
# Files (evidence, bulletins, ledger evidence, plan files checked and not yet published) go through
# Django's file storage, so that any web server or worker reads what another wrote: files under
# MEDIA_ROOT by default (one machine, or a folder shared by all), an S3-compatible object store
# (MinIO, 阿里云 OSS, 腾讯云 COS …) when PLANWATCH_S3_BUCKET is set (docs/deployment.md). The files
# are served by PlanWatch's own views, which check who may read them: the bucket stays private.
PLANWATCH_S3_BUCKET = env_str("PLANWATCH_S3_BUCKET", "")
_FILES: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if PLANWATCH_S3_BUCKET:
    _FILES = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PLANWATCH_S3_BUCKET,
            # None: the AWS default (the endpoint of the region; keys from the machine's role)
            "endpoint_url": env_str("PLANWATCH_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("PLANWATCH_S3_REGION", "") or None,
            "access_key": env_str("PLANWATCH_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("PLANWATCH_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("PLANWATCH_S3_PREFIX", ""),  # a folder of the bucket, e.g. planwatch/
            "addressing_style": env_str("PLANWATCH_S3_ADDRESSING_STYLE", "") or None,  # "path" for MinIO
            "default_acl": None,  # private: the bucket's own policy
            "file_overwrite": False,  # as on disk: a second file of the same name gets a new name
        },
    }
STORAGES = {
    "default": _FILES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# HTTPS: PLANWATCH_HTTPS=1 says the site is served over TLS, ended by a reverse proxy in front of
# gunicorn that sets X-Forwarded-Proto (README, "In production"). Then plain HTTP is redirected,
# the cookies are sent over HTTPS only and browsers are told to use nothing else (HSTS).
PLANWATCH_HTTPS = env_bool("PLANWATCH_HTTPS", False)
if PLANWATCH_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env_number("PLANWATCH_HSTS_SECONDS", 365 * 24 * 3600, minimum=0))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PLANWATCH_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("PLANWATCH_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from the site itself only
# (ECharts is served from vendor/), no inline script or event handler (the pages' data comes in
# json_script blocks, which are not run); inline style attributes are allowed (bars' widths).
# With DEBUG the policy is only reported, so Django's debug pages still work.
_CSP_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_POLICY}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_POLICY}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusals": {"()": "planwatch.web.logs.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # An ordinary refusal (403) is one line without traceback; a server error keeps its traceback.
    "loggers": {"django.request": {"filters": ["one_line_refusals"]}},
}

# What pages compute from the data on every view (the inbox count, the sample-data banner, a form's
# ledger counts) is kept this many seconds in the process's cache, and computed again after any change
# of the data (planwatch.kernel.unchanged); 0 keeps nothing.
PLANWATCH_CACHE_SECONDS = int(env_number("PLANWATCH_CACHE_SECONDS", 300, minimum=0))
# A web or API request's write waits at most this long for the audit log's lock (held by a long
# load), then answers 503 with nothing written; under the web worker's 30 s timeout. 0: no bound.
PLANWATCH_WRITE_WAIT_SECONDS = env_number("PLANWATCH_WRITE_WAIT_SECONDS", 20, minimum=0)
# Each web process's own memory: kept answers (kernel.unchanged) and kept pages (web.kept), at most
# PLANWATCH_KEPT_PAGES pages (about 50–150 KiB each), the least recently used third dropped when full.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": int(env_number("PLANWATCH_KEPT_PAGES", 1000, minimum=1))},
    },
}

# Reporting: outlier warnings against a locality's own history, and the entry lock.
PLANWATCH_OUTLIER_Z_SCORE = env_number("PLANWATCH_OUTLIER_Z_SCORE", 3.0, minimum=0.1)
PLANWATCH_OUTLIER_JUMP_PERCENT = env_number("PLANWATCH_OUTLIER_JUMP_PERCENT", 50.0, minimum=1)
PLANWATCH_OUTLIER_JUMP_POINTS = env_number("PLANWATCH_OUTLIER_JUMP_POINTS", 10.0, minimum=0.1)
PLANWATCH_LOCK_AFTER_DAYS = int(env_number("PLANWATCH_LOCK_AFTER_DAYS", 15))
# Data value sets (the API): the largest body taken (Django's DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MiB,
# is for forms), and the size above which the set is imported on the job runner (answer 202 and the
# job) rather than inside the request, which a web worker's timeout would cut short.
PLANWATCH_VALUE_SET_MAX_BYTES = int(env_number("PLANWATCH_VALUE_SET_MAX_MB", 200, minimum=1) * 1024 * 1024)
PLANWATCH_VALUE_SET_JOB_BYTES = int(env_number("PLANWATCH_VALUE_SET_JOB_KB", 512, minimum=0) * 1024)
# Indicators a ledger feeds are counted from its rows, never typed by hand (docs/ledgers.md).
PLANWATCH_LEDGER_DERIVED_ONLY = env_bool("PLANWATCH_LEDGER_DERIVED_ONLY", True)
# Evidence files: size limit and the kinds officials attach (documents, sheets, scans).
PLANWATCH_EVIDENCE_MAX_BYTES = int(env_number("PLANWATCH_EVIDENCE_MAX_MB", 20, minimum=1) * 1024 * 1024)
PLANWATCH_EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".ofd": "application/ofd",
}

# Supervision: e-mail for reminders (console by default; "django.core.mail.backends.filebased.EmailBackend"
# with EMAIL_FILE_PATH writes files) and how many days ahead "due soon" looks.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "planwatch@localhost")
PLANWATCH_REMIND_DAYS = int(env_number("PLANWATCH_REMIND_DAYS", 14, minimum=1))
# SMTP, when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_number("EMAIL_PORT", 25, minimum=1))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# Notifications (docs/notifications.md): the group robot of 企业微信 (WeCom) or 钉钉 (DingTalk) that is
# told of every workflow event, off while empty; its time limit; and the site's address, which the
# e-mails and the robot's messages put before their links.
PLANWATCH_WEBHOOK_URL = env_str("PLANWATCH_WEBHOOK_URL", "")
PLANWATCH_WEBHOOK_TIMEOUT = env_number("PLANWATCH_WEBHOOK_TIMEOUT", 5, minimum=0.1)
PLANWATCH_SITE_URL = env_str("PLANWATCH_SITE_URL", "").rstrip("/")
