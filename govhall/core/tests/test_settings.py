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
    assert start_django(GOVHALL_DEBUG="0", GOVHALL_SECRET_KEY_FILE=str(key)).returncode == 0


@pytest.mark.parametrize("name, value, message", [
    ("GOVHALL_DEBUG", "maybe", "GOVHALL_DEBUG must be 0 or 1"),
    ("GOVHALL_LIGHT_SCHEME", "blue", "GOVHALL_LIGHT_SCHEME must be"),
    ("GOVHALL_CALENDAR_PROVISIONAL_YEARS", "two", "must be an integer"),
])
def test_a_bad_setting_names_the_variable(name, value, message):
    result = start_django(**{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_console_maps_run_to_runserver_and_passes_the_rest():
    assert manage_args(["run", "0.0.0.0:8000"]) == ["runserver", "0.0.0.0:8000"]
    assert manage_args(["calendar", "years"]) == ["calendar", "years"]
    assert manage_args(["worker"]) == ["db_worker", "--no-reload"]
