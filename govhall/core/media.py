"""Files in the media storage that no row names (orphans), and their sweep.

An uploaded file is written to the storage inside the transaction that
stores its row (``cases.services.case_material_attach``): written first, so
that a committed row never names a file that is not there. A process killed
between the write and the commit (SIGKILL, a power cut, a database that went
away), or a transaction rolled back after the write, leaves the file behind
with no row: an orphan. Nothing reads it, but it holds personal data and
space, so ``govhall sweep_media`` deletes the orphans older than a grace
period (longer than any transaction runs, so a file whose transaction is
still open is never taken). docs/operations.md, "Faults and recovery".
"""

from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models

from govhall.core import clock

def storage_names(storage, folder: str = "") -> Iterator[str]:
    """Every file of ``storage`` under ``folder``, sorted."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a FileSystemStorage whose MEDIA_ROOT was never made
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from storage_names(storage, f"{folder}/{sub}" if folder else sub)


# A file younger than this may belong to a transaction still running.
DEFAULT_MIN_AGE = timedelta(hours=1)


def referenced_names() -> set[str]:
    """The storage names every file field of every model holds."""
    names: set[str] = set()
    for model, field in _file_fields():
        names.update(model._default_manager.exclude(**{field.attname: ""}).values_list(field.attname, flat=True))
    return names


def media_orphans(*, min_age: timedelta = DEFAULT_MIN_AGE) -> list[str]:
    """The stored files no row names, last written more than ``min_age`` ago
    (every one with a zero ``min_age``)."""
    referenced = referenced_names()
    cutoff = clock.now() - min_age
    return [name for name in storage_names(default_storage) if name not in referenced
            and (not min_age or default_storage.get_modified_time(name) <= cutoff)]


def media_missing() -> list[str]:
    """The file names rows hold whose file is not in the storage (must stay empty)."""
    return sorted(name for name in referenced_names() if not default_storage.exists(name))


def media_sweep(*, min_age: timedelta = DEFAULT_MIN_AGE) -> list[str]:
    """Delete the orphans older than ``min_age``; returns their names. Each
    is looked up again just before it goes: a row that named it meanwhile keeps it."""
    removed = []
    for name in media_orphans(min_age=min_age):
        if not _named(name):
            default_storage.delete(name)
            removed.append(name)
    return removed


def _file_fields() -> Iterator[tuple[type[models.Model], models.FileField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


def _named(name: str) -> bool:
    return any(model._default_manager.filter(**{field.attname: name}).exists() for model, field in _file_fields())
