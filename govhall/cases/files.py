"""Serving a case's handed-in files: one response for the workbench and the
portal, each of which has checked first that the person may see the case."""

from django.http import FileResponse

from govhall.cases.models import CaseMaterial


def material_response(record: CaseMaterial, *, download: bool) -> FileResponse:
    """The stored file with the type its content was checked to be (uploads
    are opened and checked before they are stored, core/uploads.py): inline
    for a preview, or as an attachment under its original name."""
    response = FileResponse(record.file.open("rb"), content_type=record.content_type, as_attachment=download,
                            filename=record.original_name or record.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # personal data: kept by no shared cache
    return response
