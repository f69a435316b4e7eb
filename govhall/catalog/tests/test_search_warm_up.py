"""A web server's process warms the catalog search once it has answered its
first request, so that the first portal search does not pay jieba's
dictionary and the index build (docs/performance.md, "Catalog search")."""

import threading

import pytest
from django.core.signals import request_finished

from govhall.catalog import search, selectors
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec

NAME = complete_spec("A")["name"]


@pytest.fixture
def cold(monkeypatch):
    """A process that has searched nothing yet."""
    monkeypatch.setattr(search, "_jieba", None)
    monkeypatch.setattr(selectors, "_published_cache", selectors._IndexCache())
    monkeypatch.setattr(selectors, "_all_items_cache", selectors._IndexCache())
    monkeypatch.setattr(selectors, "_warm_up_thread", None)


@pytest.mark.django_db
def test_after_the_warm_up_jieba_and_both_indexes_are_ready(hall, cold):
    item_create(actor=hall.admin, spec=complete_spec("A", status="published"))
    item_create(actor=hall.admin, spec=complete_spec("A", code="511A0000000009-D1-000-A-1-00", name="食品小作坊登记"))
    selectors.search_warm_up()
    assert search._jieba is not None
    published = selectors._published_cache.value[1]
    assert [d.name for d in published.documents.values()] == [NAME]
    staff = selectors._all_items_cache.value[1]
    assert sorted(d.name for d in staff.documents.values()) == sorted(["食品小作坊登记", NAME])
    # The first search finds the index built, with the stamp it would compute.
    before = selectors._published_cache.value
    assert [v.name for v in selectors.version_search_published(query="食品经营")] == [NAME]
    assert selectors._published_cache.value is before


@pytest.mark.django_db  # a request's end also closes stale connections
def test_the_warm_up_starts_once_after_the_first_answer_in_a_thread_of_its_own(cold, monkeypatch):
    ran = []
    done = threading.Event()

    def warm_up():
        ran.append(threading.current_thread().name)
        done.set()

    monkeypatch.setattr(selectors, "search_warm_up", warm_up)
    selectors.search_warm_up_after_first_request()
    try:
        assert ran == []  # a server that answered nothing yet has not started it
        request_finished.send(sender=None)
        assert done.wait(10)
        request_finished.send(sender=None)  # the next answers start nothing more
        selectors._warm_up_thread.join(10)
        assert ran == ["search-warm-up"]
    finally:
        request_finished.disconnect(dispatch_uid="catalog_search_warm_up")
