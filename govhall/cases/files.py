"""Serving a case's handed-in files: one response for the workbench and the
portal, each of which has checked first that the person may see the case."""

from django.http import FileResponse, Http404

from govhall.cases.models import CaseMaterial


def material_get(case, file_id: int) -> CaseMaterial:
    """The file ``file_id`` handed in for ``case`` (whose scope the caller
    checked), or 404: an id of another case's file, or past the key's range."""
    record = case.materials.filter(pk=file_id).first() if file_id < 2**63 else None
    if record is None:
        raise Http404
    return record


def material_response(record: CaseMaterial, *, download: bool) -> FileResponse:
    """The stored file with the type its content was checked to be (uploads
    are opened and checked before they are stored, core/uploads.py): inline
    for a preview, or as an attachment under its original name."""
    response = FileResponse(record.file.open("rb"), content_type=record.content_type, as_attachment=download,
                            filename=record.original_name or record.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # personal data: kept by no shared cache
    return response
