"""Where notifications go: an SMTP server, or files for the demo and tests; SMS likewise.

A provider's `send` raises on failure (any exception); the delivery task retries with
backoff. Providers hold configuration only, no connection, so one instance serves every
worker thread.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import threading
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from portal.db import utcnow

log = logging.getLogger(__name__)


class EmailProvider(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class SmsProvider(Protocol):
    def send(self, to: str, text: str) -> None: ...


def build_message(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """An RFC 5322 message, plain text in UTF-8 (Thai needs it)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    return message


@dataclass(frozen=True)
class SmtpEmailProvider:
    """Sends through an SMTP server (submission port with STARTTLS, or a local relay)."""

    host: str
    port: int = 587
    sender: str = "portal@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 10.0

    def send(self, to: str, subject: str, body: str) -> None:
        message = build_message(sender=self.sender, to=to, subject=subject, body=body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


@dataclass(frozen=True)
class FileEmailProvider:
    """Writes each e-mail as an .eml file (demo, tests, or a mail pickup directory)."""

    directory: Path
    sender: str = "portal@localhost"

    def send(self, to: str, subject: str, body: str) -> None:
        message = build_message(sender=self.sender, to=to, subject=subject, body=body)
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}.eml"
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes())
        os.replace(temporary, self.directory / name)  # whole files only, for a pickup reader


_SMS_FILE_LOCK = threading.Lock()


@dataclass(frozen=True)
class FileSmsProvider:
    """Appends each SMS as one JSON line (demo and tests)."""

    path: Path

    def send(self, to: str, text: str) -> None:
        line = json.dumps({"at": utcnow().isoformat(), "to": to, "text": text}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _SMS_FILE_LOCK, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


@dataclass(frozen=True)
class NotificationProviders:
    """The providers the delivery task sends through; `sms` None: SMS is switched off."""

    email: EmailProvider
    sms: SmsProvider | None


def file_providers(data_dir: Path, *, sender: str = "portal@localhost") -> NotificationProviders:
    """Both channels into `<data_dir>/outbox/` (the default for the demo and tests)."""
    outbox = data_dir / "outbox"
    return NotificationProviders(
        email=FileEmailProvider(outbox / "email", sender=sender),
        sms=FileSmsProvider(outbox / "sms.jsonl"),
    )


def providers_from_settings(settings: object) -> NotificationProviders:
    """The providers `PORTAL_EMAIL_PROVIDER` / `PORTAL_SMS_PROVIDER` name."""
    from portal.settings import Settings

    assert isinstance(settings, Settings)
    outbox = settings.data_dir / "outbox"
    email: EmailProvider
    if settings.email_provider == "smtp":
        email = SmtpEmailProvider(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )
    else:
        email = FileEmailProvider(outbox / "email", sender=settings.smtp_from)
    sms = FileSmsProvider(outbox / "sms.jsonl") if settings.sms_provider == "file" else None
    if settings.is_production and (settings.email_provider == "file" or sms is not None):
        # Allowed (a pickup directory is a real deployment pattern), but never silently.
        log.warning(
            "notifications in production go to files under %s (email=%s, sms=%s)",
            outbox,
            settings.email_provider,
            settings.sms_provider,
        )
    return NotificationProviders(email=email, sms=sms)
