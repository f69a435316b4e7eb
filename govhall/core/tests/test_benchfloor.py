"""The load run's floor (/bench-floor/): routed only when the load
environment asks for it, and then one query and a tiny answer."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import Resolver404, resolve

from govhall.core import benchfloor


@pytest.mark.django_db
def test_it_is_not_routed_without_the_setting(client):
    assert benchfloor.urlpatterns() == []
    assert client.get("/" + benchfloor.FLOOR_PATH).status_code == 404


@override_settings(GOVHALL_BENCH_FLOOR=True)
def test_it_is_routed_with_the_setting():
    [pattern] = benchfloor.urlpatterns()
    assert pattern.resolve(benchfloor.FLOOR_PATH).func is benchfloor.bench_floor
    # A production URL configuration is not changed by it: the floor is not among the site's addresses.
    with pytest.raises(Resolver404):
        resolve("/" + benchfloor.FLOOR_PATH)


@pytest.mark.django_db
def test_it_answers_after_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        answer = benchfloor.bench_floor(RequestFactory().get("/" + benchfloor.FLOOR_PATH))
    assert answer.status_code == 200 and answer.content == b"ok"
