"""What other apps hook into supervision (``supervision.signals``): the
time scan runs their time rules with its day and moment and counts the rows
they looked at; the wall shows the sections they give for the viewer."""

import pytest
from django.urls import reverse

from govhall.cases.tests.conftest import at
from govhall.supervision.engine import supervise_scan
from govhall.supervision.signals import time_scan, wall_sections

pytestmark = pytest.mark.django_db


def test_the_scan_runs_the_apps_time_rules_with_its_day_and_counts_their_rows(desk):
    heard = []

    def rules(*, today, at, **kwargs):
        heard.append((today, at))
        return 7

    time_scan.connect(rules, dispatch_uid="test_hooks.rules")
    try:
        moment = at("2026-03-04 09:00")
        result = supervise_scan(at=moment)
    finally:
        time_scan.disconnect(dispatch_uid="test_hooks.rules")
    assert heard == [(moment.date(), moment)]
    assert result.others >= 7  # joint approval's own receiver adds its rows (none here)


def test_the_wall_shows_the_sections_the_apps_give_for_the_viewer(client, desk):
    seen = []

    def section(*, user, **kwargs):
        seen.append(user)
        return None if user.role != "supervisor" else {"template": "web/_joint_wall.html",
                                                       "rows": {"rows": [], "count": 0}}

    wall_sections.connect(section, dispatch_uid="test_hooks.section")
    try:
        client.force_login(desk.supervisor)
        page = client.get(reverse("supervision_wall")).content.decode()
        client.force_login(desk.manager)
        managers = client.get(reverse("supervision_wall"), HTTP_HX_REQUEST="true").content.decode()
    finally:
        wall_sections.disconnect(dispatch_uid="test_hooks.section")
    assert [u.role for u in seen] == ["supervisor", "manager"]
    assert page.count('data-testid="joint-wall"') == 2  # the test's section and joint approval's own
    assert managers.count('data-testid="joint-wall"') == 1  # joint approval's own only, in the refreshed part
