"""Settings from the environment: production safety and clear errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from govhall.console import manage_args

ROOT = Path(__file__).resolve().parents[3]


def start_django(**env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHALL_")}
    env.update(DJANGO_SETTINGS_MODULE="govhall.settings", GOVHALL_VAR_DIR=str(ROOT / "var"), **env_vars)
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                          env=env, capture_output=True, text=True, cwd=ROOT)


def test_production_refuses_to_start_without_a_secret_key():
    result = start_django(GOVHALL_DEBUG="0")
    assert result.returncode != 0
    assert "GOVHALL_SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_key_from_a_file(tmp_path):
    key = tmp_path / "key"
    key.write_text("a-long-random-production-secret-key-for-the-test\n")
    assert start_django(GOVHALL_DEBUG="0", GOVHALL_SECRET_KEY_FILE=str(key),
                        GOVHALL_PUBLIC_URL="https://zwfw.example.gov.cn").returncode == 0


def test_production_refuses_to_start_without_its_public_address():
    result = start_django(GOVHALL_DEBUG="0", GOVHALL_SECRET_KEY="a-long-random-production-secret-key-for-the-test")
    assert result.returncode != 0 and "GOVHALL_PUBLIC_URL must be set" in result.stderr


def test_the_public_address_is_printed_in_qr_codes_and_sms_links():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.GOVHALL_PUBLIC_URL)"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("GOVHALL_")},
             "DJANGO_SETTINGS_MODULE": "govhall.settings", "GOVHALL_VAR_DIR": str(ROOT / "var"),
             "GOVHALL_PUBLIC_URL": "https://zwfw.example.gov.cn/"}, capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "https://zwfw.example.gov.cn"  # no trailing slash: paths are appended


@pytest.mark.parametrize("name, value, message", [
    ("GOVHALL_DEBUG", "maybe", "GOVHALL_DEBUG must be 0 or 1"),
    ("GOVHALL_LIGHT_SCHEME", "blue", "GOVHALL_LIGHT_SCHEME must be"),
    ("GOVHALL_CALENDAR_PROVISIONAL_YEARS", "two", "must be an integer"),
    ("GOVHALL_PUBLIC_URL", "zwfw.example.gov.cn", "GOVHALL_PUBLIC_URL must be an absolute http(s) address"),
    ("GOVHALL_TRUSTED_PROXIES", "10.0.0.300", "GOVHALL_TRUSTED_PROXIES"),
    ("GOVHALL_CACHE_URL", "memcached://x", "GOVHALL_CACHE_URL must be a redis://"),
    ("GOVHALL_PROXY_SSL_HEADER", "X Forwarded Proto", "GOVHALL_PROXY_SSL_HEADER must be a header name"),
    ("GOVHALL_HSTS_SECONDS", "-1", "GOVHALL_HSTS_SECONDS must be 0"),
    ("GOVHALL_LOG_FORMAT", "xml", "GOVHALL_LOG_FORMAT must be 'json' or 'text'"),
    ("GOVHALL_METRICS_ALLOWED", "10.0.0.300", "GOVHALL_METRICS_ALLOWED"),
    ("GOVHALL_METRICS_TOKEN", "short", "GOVHALL_METRICS_TOKEN must be at least 32"),
    ("GOVHALL_HEALTH_WORKER_STALE_SECONDS", "30", "GOVHALL_HEALTH_WORKER_STALE_SECONDS must be longer"),
    ("GOVHALL_HEALTH_CALENDAR_DAYS", "-1", "GOVHALL_HEALTH_CALENDAR_DAYS must be 0 or more"),
])
def test_a_bad_setting_names_the_variable(name, value, message):
    result = start_django(**{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_console_maps_run_to_runserver_and_passes_the_rest():
    assert manage_args(["run", "0.0.0.0:8000"]) == ["runserver", "0.0.0.0:8000"]
    assert manage_args(["calendar", "years"]) == ["calendar", "years"]
    assert manage_args(["worker"]) == ["db_worker", "--no-reload"]
