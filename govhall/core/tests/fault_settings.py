"""Settings of the app server of the fault tests: production's (DEBUG off,
from the environment), but static files served from the app folders, so
that no collectstatic (minutes of compression) runs before each test."""

from govhall.settings import *
from govhall.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
