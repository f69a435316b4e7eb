"""Sending SMS through a pluggable backend (setting GOVHALL_SMS_BACKEND, a
dotted path to a class with ``send(phone, text)``).

The default writes the message to the log with the phone masked; a real
deployment points the setting at a class that calls its SMS gateway.
Tests use ``MemoryBackend`` and read its ``outbox``.

Services send with ``sms_send_on_commit``: the message goes out only once
the change that calls for it has committed (STYLE 7).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from govhall.core.masking import mask_phone

logger = logging.getLogger("govhall.sms")


@dataclass(frozen=True)
class Message:
    phone: str
    text: str


class LogBackend:
    """Writes each message to the log (logger ``govhall.sms``), phone masked."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


class MemoryBackend:
    """Keeps the messages in ``MemoryBackend.outbox`` (shared by all
    instances, so a test can read what any code path sent)."""

    outbox: list[Message] = []

    def send(self, phone: str, text: str) -> None:
        MemoryBackend.outbox.append(Message(phone=phone, text=text))


def sms_send(phone: str, text: str) -> None:
    """Send one message through the configured backend."""
    backend = import_string(settings.GOVHALL_SMS_BACKEND)()
    backend.send(phone, text)


def sms_send_on_commit(phone: str, text: str, *, failed: Callable[[str], None]) -> None:
    """Send one message once the current transaction commits; nothing goes
    out if it rolls back.

    A gateway that fails is not asked again: a timeout can hide a message
    that did go out, and the applicant would get it twice. The failure is
    logged (logger ``govhall.sms``, error level) and passed to ``failed`` as
    a short description, for the caller to record; the phone is masked in
    both, also where the gateway's error repeats it."""
    def send() -> None:
        try:
            sms_send(phone, text)
        except Exception as error:  # whatever the deployment's gateway raises
            masked = mask_phone(phone)
            description = f"{type(error).__name__}: {error}".replace(phone, masked)[:300]
            logger.error("SMS to %s failed: %s", masked, description)
            failed(description)

    # robust: were even recording the failure to fail, the change that sent
    # the message has committed; its caller must not see an error for it.
    transaction.on_commit(send, robust=True)
