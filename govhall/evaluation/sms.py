"""Sending SMS through a pluggable backend (setting GOVHALL_SMS_BACKEND, a
dotted path to a class with ``send(phone, text)``).

The default writes the message to the log with the phone masked; a real
deployment points the setting at a class that calls its SMS gateway.
Tests use ``MemoryBackend`` and read its ``outbox``.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
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
