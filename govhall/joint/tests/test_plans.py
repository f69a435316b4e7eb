"""A published theme's stages are read once per process (govhall/joint/plans.py):
receipts and stage ends after the first read none of them; a new version of
the theme has stages of its own, and the joint cases of the old one keep
theirs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.joint import services as joint
from govhall.joint.forms import theme_form
from govhall.joint.models import StageState, SubCase
from govhall.joint.plans import theme_plan
from govhall.joint.tests.builders import at, decide, receive_construction

pytestmark = pytest.mark.django_db

THEME_TABLES = ('"joint_stage"', '"joint_stageitem"', '"joint_stage_depends_on"')


def _theme_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if any(f"FROM {table}" in q["sql"] for table in THEME_TABLES)]


def test_the_stages_of_a_published_theme_are_read_once_per_process(joint_hall):
    receive_construction(joint_hall)  # the first receipt reads them (or a test before did)
    with CaptureQueriesContext(connection) as receipt:
        jc = receive_construction(joint_hall, when=at("2026-03-02 11:00"))
    with CaptureQueriesContext(connection) as stage_end:
        for link in SubCase.objects.filter(joint_case=jc).select_related("case"):
            decide(link.case, at=at("2026-03-04 10:00"))
    assert _theme_reads(receipt.captured_queries) == []
    assert _theme_reads(stage_end.captured_queries) == []
    stages = {s.stage.order: s.state for s in jc.stages.select_related("stage")}
    assert stages[1] == StageState.DONE and stages[2] == StageState.RUNNING  # the next stage started from the plan
    assert SubCase.objects.filter(joint_case=jc, joint_stage__stage__order=2).count() == 3


def test_a_new_version_has_its_own_stages_and_the_old_versions_cases_keep_theirs(joint_hall):
    hall = joint_hall
    old = receive_construction(hall)
    draft = joint.theme_revise(actor=hall.manager, theme=hall.construction)
    stages = joint.configured_stages(draft)
    stages[0]["items"] = stages[0]["items"][:2]  # the first stage now asks for two items
    joint.theme_configure(actor=hall.manager, theme=draft, stages=stages)
    joint.theme_publish(actor=hall.manager, theme=draft)
    asked = [m["name"] for m in theme_form(joint.theme_versions(draft)).materials]
    new = receive_construction(hall, theme=draft, materials=asked, when=at("2026-03-02 11:00"))
    assert SubCase.objects.filter(joint_case=new).count() == 2
    assert SubCase.objects.filter(joint_case=old).count() == 3
    assert [len(p.items) for p in theme_plan(hall.construction).values()] == [3, 3, 3, 3]
    assert [len(p.items) for p in theme_plan(draft).values()] == [2, 3, 3, 3]


def test_a_drafts_stages_are_read_afresh_as_it_is_configured(joint_hall):
    hall = joint_hall
    draft = joint.theme_revise(actor=hall.manager, theme=hall.startup)
    assert len(next(iter(theme_plan(draft).values())).items) == 4
    stages = joint.configured_stages(draft)
    stages[0]["items"] = stages[0]["items"][:3]
    joint.theme_configure(actor=hall.manager, theme=draft, stages=stages)
    joint.theme_publish(actor=hall.manager, theme=draft)
    assert len(next(iter(theme_plan(draft).values())).items) == 3
