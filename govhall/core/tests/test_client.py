"""The client behind the hall's proxy, and limits that hold across
processes (DESIGN 5): the forwarding header is believed only from a trusted
proxy; rate limits and login lockout live in shared stores."""

import socket

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory
from django.urls import reverse

from govhall.core.client import client_address, rate_limited
from govhall.test import PASSWORD

PROXY = "10.0.0.5"


def request(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.fixture
def behind_proxy(settings):
    settings.GOVHALL_TRUSTED_PROXIES = ["10.0.0.0/24"]


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.GOVHALL_TRUSTED_PROXIES = []
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop(behind_proxy):
    assert client_address(request(PROXY, "198.51.100.7")) == "198.51.100.7"
    # A client writing its own header: the proxy appends the real address; the forged part is left of it.
    assert client_address(request(PROXY, "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    # Two of our proxies in a row are skipped.
    assert client_address(request(PROXY, "198.51.100.7, 10.0.0.9")) == "198.51.100.7"
    # An untrusted sender's header is not believed, whatever it says.
    assert client_address(request("203.0.113.9", "198.51.100.7")) == "203.0.113.9"


def test_a_malformed_header_falls_back_to_the_proxy(behind_proxy):
    assert client_address(request(PROXY, "not-an-address")) == PROXY
    assert client_address(request(PROXY, "")) == PROXY
    assert client_address(request("garbage")) is None


@pytest.mark.django_db
def test_the_limit_is_counted_in_the_shared_cache():
    for _ in range(3):
        assert not rate_limited(scope="t", key="a", limit=3, seconds=60)
    assert rate_limited(scope="t", key="a", limit=3, seconds=60)
    assert not rate_limited(scope="t", key="b", limit=3, seconds=60)  # another client, its own budget
    # Another process: a cache object of its own on the same store sees the same count.
    from django.core.cache import CacheHandler

    other = CacheHandler()["default"]
    assert other is not caches["default"]
    assert other.get("rate:t:a") == 4


def _redis_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_the_limit_on_redis(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": "govhall-test"}}
    store = caches["default"]
    assert isinstance(store, RedisCache)
    store.delete("rate:t:r")
    try:
        assert [rate_limited(scope="t", key="r", limit=2, seconds=60) for _ in range(3)] == [False, False, True]
    finally:
        store.delete("rate:t:r")


def test_progress_queries_are_limited_per_client_behind_the_proxy(client, hall, behind_proxy, settings):
    settings.GOVHALL_PROGRESS_QUERIES_PER_MINUTE = 2
    ask = lambda forwarded: client.post(reverse("portal_progress"), {"number": "X", "query_code": "Y"},  # noqa: E731
                                        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded).status_code
    assert [ask("198.51.100.7") for _ in range(3)] == [404, 404, 429]
    assert ask("198.51.100.8") == 404  # another citizen in the hall's queue is not punished
    # Sending a made-up address in front does not give a fresh budget.
    assert ask("9.9.9.9, 198.51.100.7") == 429


def _fail(client, username, address):
    return client.post(reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def test_lockout_is_by_name_and_address_together(client, hall, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, "clerk", "198.51.100.66")
    locked = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR="198.51.100.66")
    assert locked.status_code == 429 and "锁定" in locked.content.decode()
    # The clerk at the hall is not locked out by a stranger's guesses elsewhere.
    ok = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR="10.20.0.12")
    assert ok.status_code == 302


def test_lockout_sees_the_client_behind_the_proxy(client, hall, behind_proxy, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk", "password": "wrong"}, REMOTE_ADDR=PROXY,
                    HTTP_X_FORWARDED_FOR="198.51.100.66")
    ok = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR=PROXY,
                     HTTP_X_FORWARDED_FOR="10.20.0.12, 10.0.0.9")
    assert ok.status_code == 302  # the hall's own clerk, through the same proxy


@pytest.mark.django_db
def test_a_crowd_of_clients_does_not_reset_anothers_count():
    # Found by `make load`: the database cache culls a third of its rows once
    # it holds more than its MAX_ENTRIES (300 by default), so on a busy
    # portal a client's count vanished and he got a fresh budget.
    for _ in range(3):
        rate_limited(scope="t", key="1.0.0.1", limit=3, seconds=60)
    for n in range(400):  # a busy minute: 400 other citizens ask once each
        assert not rate_limited(scope="t", key=f"198.18.{n // 250}.{n % 250}", limit=3, seconds=60)
    assert rate_limited(scope="t", key="1.0.0.1", limit=3, seconds=60)
