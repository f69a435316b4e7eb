"""Thin tasks: load by id, call the service (STYLE 7)."""

from django_tasks import task

from govhall.catalog.models import ImportJob


@task()
def catalog_import_task(job_id: int) -> str:
    from govhall.catalog.jobs import import_job_run

    job = import_job_run(ImportJob.objects.get(pk=job_id))
    return job.status
