"""Domain errors as HTTP answers: 400 with the field, 403, 404, 409 — never a 500."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from govhall.catalog.services import SpecInvalid
from govhall.core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, SpecInvalid):
        return Response(
            {"detail": exc.message, "errors": [{"field": e.path, "message": e.message} for e in exc.errors]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "field": exc.field}, status=exc.status)
    return drf_exception_handler(exc, context)
