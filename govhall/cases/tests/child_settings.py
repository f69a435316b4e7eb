"""Settings of a worker process started by a test (``python -m
govhall.cases.tests.workers``): govhall's settings, on the calling test's
database and media folder."""

import os

from govhall.settings import *
from govhall.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["GOVHALL_CHILD_DATABASE"]
MEDIA_ROOT = os.environ["GOVHALL_CHILD_MEDIA_ROOT"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
