"""Ways to send mail: SMTP, GOV.UK Notify, or only a log line (development).

A transport sends one message or raises `TransportError`, whose text never holds
an address or a body (they are personal data, and the error is stored and logged).
"""

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from service.config import Settings

logger = logging.getLogger("mentormatch.notifications")
_ADDRESS = re.compile(r"[^\s<>\"']+@[^\s<>\"']+")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    # Stable per outbox row: a message sent again after a crash carries the same id,
    # which mail clients use to show it once.
    message_id: str
    kind: str


class TransportError(Exception):
    """Sending failed; ``permanent`` when trying again cannot help (a refused address)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(scrub(message))
        self.permanent = permanent


def scrub(text: str) -> str:
    """The text without email addresses, shortened to fit a log line."""
    return _ADDRESS.sub("<address>", text)[:400]


class Transport(Protocol):
    def send(self, mail: Mail) -> None: ...


class LogTransport:
    """Sends nothing: logs that a message would have gone (kind only, never who or what)."""

    def send(self, mail: Mail) -> None:
        logger.info("message not sent (log transport)", extra={"kind": mail.kind})


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.smtp_security == "tls":
            return smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=30,
                context=ssl.create_default_context(),
            )
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = mail.message_id
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        try:
            with self._connect() as client:
                if self.settings.smtp_username:
                    client.login(
                        self.settings.smtp_username,
                        self.settings.smtp_password.get_secret_value(),
                    )
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(
                f"the server refused the recipient: {exc}", permanent=True
            ) from exc
        except smtplib.SMTPResponseException as exc:
            # 4xx: try again later; 5xx: it will not work this way.
            said = exc.smtp_error
            text = said.decode(errors="replace") if isinstance(said, bytes) else said
            raise TransportError(f"{exc.smtp_code} {text}", permanent=exc.smtp_code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc


class NotifyTransport:
    """GOV.UK Notify: one email template whose ((subject)) and ((body)) we fill in."""

    def __init__(self, settings: Settings) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            settings.notify_api_key.get_secret_value()
        )
        self.template_id = settings.notify_template_id

    def send(self, mail: Mail) -> None:
        from notifications_python_client.errors import HTTPError

        try:
            self.client.send_email_notification(  # type: ignore[no-untyped-call]
                email_address=mail.to,
                template_id=self.template_id,
                personalisation={"subject": mail.subject, "body": mail.text},
                reference=mail.message_id,
            )
        except HTTPError as exc:
            permanent = getattr(exc, "status_code", 500) == 400
            raise TransportError(f"GOV.UK Notify: {exc}", permanent=permanent) from exc
        except OSError as exc:
            raise TransportError(f"GOV.UK Notify: {type(exc).__name__}") from exc


def make_transport(settings: Settings) -> Transport:
    if settings.mail_transport == "smtp":
        return SmtpTransport(settings)
    if settings.mail_transport == "notify":
        return NotifyTransport(settings)
    return LogTransport()
