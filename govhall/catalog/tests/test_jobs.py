"""Import jobs run by the worker: progress, outcome, refusal, failure."""

import json

import pytest

from govhall.catalog.exchange import catalog_export_json
from govhall.catalog.jobs import import_job_run, import_job_start
from govhall.catalog.models import ImportJob, ImportStatus, Item
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted


@pytest.fixture
def exported(hall):
    item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    return catalog_export_json()


def test_the_worker_imports_and_records_progress(hall, exported, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    data = json.loads(exported)
    data["items"] = [dict(data["items"][0], code=f"A-{i}") for i in range(120)]
    job = import_job_start(actor=hall.manager, filename="many.json", content=json.dumps(data).encode())
    assert job.status == ImportStatus.QUEUED
    job = import_job_run(job)
    assert job.status == ImportStatus.DONE and job.result["created"] == 120
    assert (job.checked, job.total) == (120, 120)
    assert Item.objects.count() == 121


def test_a_refused_file_is_reported_and_nothing_written(hall, exported, django_capture_on_commit_callbacks):
    data = json.loads(exported)
    data["items"][0]["code"] = "A-NEW"
    data["items"][0]["item_type"] = "x"
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs it once the start commits
        job = import_job_start(actor=hall.manager, filename="bad.json", content=json.dumps(data).encode())
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert ["items[0].item_type", job.errors[0][1]] in job.errors
    assert not Item.objects.filter(code="A-NEW").exists()


def test_uploads_are_checked_before_queueing(hall):
    with pytest.raises(DomainError):
        import_job_start(actor=hall.manager, filename="x.csv", content=b"a")
    with pytest.raises(NotPermitted):
        import_job_start(actor=hall.clerk, filename="x.json", content=b"{}")
    assert not ImportJob.objects.exists()


def test_a_job_runs_once(hall, exported):
    job = import_job_start(actor=hall.manager, filename="c.json", content=exported)
    job.refresh_from_db()
    assert import_job_run(job).status == ImportStatus.DONE  # a second delivery changes nothing
    assert job.result["unchanged"] == 1


def test_a_job_is_claimed_once(hall, exported, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = import_job_start(actor=hall.manager, filename="c.json", content=exported)
    stale = ImportJob.objects.get(pk=job.pk)  # what a second worker was handed
    assert import_job_run(job).status == ImportStatus.DONE
    assert import_job_run(stale).status == ImportStatus.DONE  # it finds the job taken and runs nothing
    assert Item.objects.count() == 1
    from govhall.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="catalog_import_finish").count() == 1


def test_the_job_is_queued_only_once_its_start_commits(hall, exported, settings, django_capture_on_commit_callbacks):
    from django.db import transaction
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    queued = lambda: len(task_backends["default"].results)  # noqa: E731
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            import_job_start(actor=hall.manager, filename="c.json", content=exported)
            raise RuntimeError("the caller's transaction rolls back")
    assert queued() == 0 and not ImportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_job_start(actor=hall.manager, filename="c.json", content=exported)
        assert queued() == 0  # not before the commit
    assert len(callbacks) == 1 and queued() == 1


def test_the_jobs_module_is_the_tasks_own():
    import govhall.catalog.jobs as jobs

    assert jobs.catalog_import_task.module_path == "govhall.catalog.jobs.catalog_import_task"
