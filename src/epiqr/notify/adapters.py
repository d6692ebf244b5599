"""Outbound channels behind one small interface.

`logging` writes the message to the log (development), `fake` keeps it in memory (tests read
`FakeAdapter.sent`), `smtp` sends email through Django's mail backend. A real SMS gateway is one more
class with the same `send` method, chosen by the EPIQR_SMS_ADAPTER setting.
"""

import logging
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.mail import send_mail

log = logging.getLogger("epiqr.notify")


class DeliveryFailed(Exception):
    pass


@dataclass(frozen=True)
class Message:
    channel: str
    recipient: str
    subject: str
    body: str


class Adapter(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


class LoggingAdapter:
    name = "logging"

    def send(self, message: Message) -> None:
        log.info("[%s] to %s: %s %s", message.channel, message.recipient, message.subject, message.body)


class FakeAdapter:
    """Test double: records messages; recipients listed in `failing` raise DeliveryFailed."""

    name = "fake"
    sent: ClassVar[list[Message]] = []
    failing: ClassVar[set[str]] = set()

    def send(self, message: Message) -> None:
        if message.recipient in self.failing:
            raise DeliveryFailed(f"gateway refused {message.recipient}")
        self.sent.append(message)

    @classmethod
    def reset(cls) -> None:
        cls.sent.clear()
        cls.failing.clear()


class SmtpAdapter:
    name = "smtp"

    def send(self, message: Message) -> None:
        if message.channel != "email":
            raise DeliveryFailed("SMTP carries email only")
        try:
            send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient])
        except Exception as exc:  # noqa: BLE001 - any transport error is a failed delivery
            raise DeliveryFailed(str(exc)[:400]) from exc


ADAPTERS: dict[str, type] = {"logging": LoggingAdapter, "fake": FakeAdapter, "smtp": SmtpAdapter}


def adapter_for(channel: str) -> Adapter:
    name = settings.EPIQR_NOTIFY_ADAPTERS.get(channel, "logging")
    return ADAPTERS[name]()
