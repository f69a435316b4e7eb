"""Catalog imports as background jobs: the upload is stored, the task worker
checks every row (reporting progress) and writes all or nothing; the
workbench polls the job to show the progress and the outcome."""

import functools

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from govhall.catalog.exchange import ImportRefused, catalog_import_file
from govhall.catalog.models import ImportJob, ImportStatus
from govhall.catalog.services import catalog_may_edit
from govhall.core import clock
from govhall.core.actors import person
from govhall.core.audit import audit_record
from govhall.core.errors import DomainError, NotPermitted
from govhall.org.models import Department, User

MAX_BYTES = 20 * 1024 * 1024


def import_job_start(*, actor: User, filename: str, content: bytes) -> ImportJob:
    """Store an uploaded catalog file and queue its import, once the job is
    committed (a start rolled back by its caller queues nothing)."""
    if not any(catalog_may_edit(actor, d) for d in Department.objects.select_related("center")):
        raise NotPermitted(_("您无权导入事项。"))
    if not filename.lower().endswith((".xlsx", ".json")):
        raise DomainError(_("只支持 .xlsx 或 .json 文件。"), field="file")
    if len(content) > MAX_BYTES:
        raise DomainError(_("文件过大（上限 20 MB）。"), field="file")
    with transaction.atomic():
        job = ImportJob(created_by=person(actor), created_at=clock.now(), filename=filename[:200])
        job.file.save(f"import{filename[filename.rfind('.'):].lower()}", ContentFile(content), save=False)
        job.save()
        audit_record(actor=actor, action="catalog_import_start", target=job, data={"filename": filename, "size": len(content)})
        # After commit: the worker must find the job, and a rolled-back start has none.
        transaction.on_commit(functools.partial(catalog_import_task.enqueue, job.pk))
    return ImportJob.objects.get(pk=job.pk)


def import_job_run(job: ImportJob) -> ImportJob:
    """Run one queued import (called by the task worker). The job is
    claimed by a guarded update, QUEUED → CHECKING (STYLE 8): of two workers
    handed the same job, exactly one runs it; the other returns it as is."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(status=ImportStatus.CHECKING)
    if claimed != 1:
        job.refresh_from_db()
        return job

    def progress(done: int, total: int) -> None:
        # Autocommitted, so the polling page sees it while the check goes on.
        ImportJob.objects.filter(pk=job.pk).update(checked=done, total=total)

    outcome: dict = {"finished_at": clock.now()}
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        result = catalog_import_file(actor=job.created_by, name=job.filename, data=data, progress=progress)
    except ImportRefused as refused:
        outcome.update(status=ImportStatus.REFUSED, errors=[list(e) for e in refused.errors])
    except DomainError as error:
        outcome.update(status=ImportStatus.REFUSED, errors=[["", error.message]])
    except Exception as error:  # a bug must not leave the job "checking" forever
        outcome.update(status=ImportStatus.FAILED, errors=[["", f"{type(error).__name__}: {error}"]])
        ImportJob.objects.filter(pk=job.pk).update(**outcome)
        raise
    else:
        outcome.update(status=ImportStatus.DONE, result=result)
    outcome["finished_at"] = clock.now()
    ImportJob.objects.filter(pk=job.pk).update(**outcome)
    job.refresh_from_db()
    audit_record(actor=job.created_by, action="catalog_import_finish", target=job,
                 data={"status": job.status, "result": job.result, "errors": len(job.errors)})
    return job


def import_job_get_for_staff(*, user: User, job_id: int) -> ImportJob | None:
    """A person sees the import jobs they started."""
    return ImportJob.objects.filter(pk=job_id, created_by=user).first()


@task()
def catalog_import_task(job_id: int) -> str:
    """The worker's entry point (thin, STYLE 7): load the job, run it.
    Defined beside the job it runs, so that starting a job needs no import
    of a tasks module that imports it back."""
    return import_job_run(ImportJob.objects.get(pk=job_id)).status
