"""Helpers for tests that start the project in a subprocess, as an operator would."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Variables that would leak the test run's configuration into a "fresh" process.
_LEAKY = {
    "PYTEST_VERSION", "PYTEST_CURRENT_TEST", "TESTING", "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL",
    "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "EMAIL_URL",
    "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE",
}  # fmt: skip


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _LEAKY}
