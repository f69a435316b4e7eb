import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The production hasher costs ~0.3 s per login; tests need many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hall(db):
    from govhall.test import build_hall

    return build_hall()


@pytest.fixture(autouse=True)
def _chinese_first():
    # A test that switches to English must not leave its thread in English.
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")
