"""Settings from the environment: good values are read, bad ones stop start-up naming the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from planwatch import config

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)]
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("DEBUG", raw)
    assert config.env_bool("DEBUG", not expected) is expected


def test_env_bool_rejects_other_words(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        config.env_bool("DEBUG", False)


def test_env_list(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "planwatch.gd.gov.cn, 10.0.0.5")
    assert config.env_list("ALLOWED_HOSTS", []) == ["planwatch.gd.gov.cn", "10.0.0.5"]
    monkeypatch.setenv("ALLOWED_HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        config.env_list("ALLOWED_HOSTS", [])


def test_time_zone(monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ImproperlyConfigured, match="TIME_ZONE='Mars/Olympus'"):
        config.env_time_zone("TIME_ZONE", "Asia/Shanghai")
    monkeypatch.delenv("TIME_ZONE")
    assert config.env_time_zone("TIME_ZONE", "Asia/Shanghai") == "Asia/Shanghai"


def test_database_url_default_is_a_sqlite_file(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    db = config.env_database("DATABASE_URL", tmp_path / "var" / "pw.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "var" / "pw.sqlite3")
    # several workers write one file: writers queue for the lock instead of failing "database is locked"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE" and db["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert (tmp_path / "var").is_dir()


def test_database_url_postgresql(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/planwatch")
    db = config.env_database("DATABASE_URL", tmp_path / "x.sqlite3")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["HOST"], db["PORT"], db["USER"]) == ("planwatch", "127.0.0.1", 5432, "postgres")


@pytest.mark.parametrize("url", ["mysql://root@localhost/x", "postgresql://host-without-db", "nonsense"])
def test_database_url_rejected(monkeypatch, tmp_path, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        config.env_database("DATABASE_URL", tmp_path / "x.sqlite3")


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, "-m", "planwatch.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 50, "DEBUG": "perhaps"}, "DEBUG"),
        ({"SECRET_KEY": "x" * 50, "TIME_ZONE": "Nowhere/Town"}, "TIME_ZONE"),
        ({"SECRET_KEY": "x" * 50, "DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
    ],
)
def test_bad_configuration_stops_the_command_line_with_a_clear_message(env, variable):
    result = run_cli(env, "check")
    assert result.returncode == 2
    assert result.stderr.startswith(f"planwatch: configuration error: {variable}")
    assert "Traceback" not in result.stderr


def _storage_in_a_fresh_process(**env: str) -> dict[str, object]:
    """The default file storage the settings make from `env` (a process of its own: settings are
    read once)."""
    code = (
        "import json, django; django.setup(); from django.core.files.storage import storages; s = storages['default']; "
        "print(json.dumps({'class': type(s).__name__, "
        "'bucket': getattr(s, 'bucket_name', None), 'endpoint': getattr(s, 'endpoint_url', None), "
        "'location': getattr(s, 'location', None), 'overwrite': getattr(s, 'file_overwrite', None)}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_S3_")}
    run_env = {**clean, "SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "planwatch.settings", **env}
    out = subprocess.run(
        [sys.executable, "-c", code], env=run_env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(out))


def test_files_are_local_by_default_and_in_an_s3_store_when_a_bucket_is_set(tmp_path):
    local = _storage_in_a_fresh_process(PLANWATCH_VAR_DIR=str(tmp_path))
    assert local["class"] == "FileSystemStorage" and local["location"] == str(tmp_path / "media")
    s3 = _storage_in_a_fresh_process(
        PLANWATCH_VAR_DIR=str(tmp_path),
        PLANWATCH_S3_BUCKET="planwatch-files",
        PLANWATCH_S3_ENDPOINT_URL="http://minio.internal:9000",
        PLANWATCH_S3_PREFIX="prod",
    )
    assert s3 == {
        "class": "S3Storage",
        "bucket": "planwatch-files",
        "endpoint": "http://minio.internal:9000",
        "location": "prod",
        "overwrite": False,
    }
