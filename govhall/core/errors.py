"""Errors that services raise and interfaces turn into 4xx answers.

Every error carries a message for a person (Chinese first, translated through
gettext) and, when one field is at fault, the name of that field.
"""


class DomainError(Exception):
    """A request that the rules of the hall refuse (HTTP 400)."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(DomainError):
    """The actor may not do this (HTTP 403)."""

    status = 403


class NotFound(DomainError):
    """The object does not exist or is outside the actor's scope (HTTP 404)."""

    status = 404


class Conflict(DomainError):
    """Someone else changed the object first (HTTP 409)."""

    status = 409


class Unprocessable(DomainError):
    """The request is well-formed but contradicts an earlier one it claims to
    repeat, such as an Idempotency-Key sent again with another body (HTTP 422)."""

    status = 422
