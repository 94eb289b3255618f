"""The ``email`` notification channel: SMTP with a timeout, settings from the environment.

``MENTORFLOW_SMTP_HOST`` (required to enable it), ``MENTORFLOW_SMTP_PORT`` (25),
``MENTORFLOW_SMTP_USERNAME``/``MENTORFLOW_SMTP_PASSWORD``, ``MENTORFLOW_SMTP_STARTTLS``
(false) and ``MENTORFLOW_SMTP_FROM`` (``mentorflow@localhost``). With ``MENTORFLOW_INSTITUTION_NAME``
(the web service's ``institution_name``) the institution is the sender's name and signs the message. Each message
carries a Message-ID derived from its outbox key, so a mail system can
recognise a rare re-delivery after a crash as the same message.
"""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _
from mentorflow.notifications import ChannelContext, Message

TIMEOUT_SECONDS = 15


class EmailChannel:
    name = "email"

    def _configure(self) -> None:
        # Read at send time: workers and tests set the environment after plugins load.
        self.host = os.environ.get("MENTORFLOW_SMTP_HOST", "")
        self.port = int(os.environ.get("MENTORFLOW_SMTP_PORT", "25"))
        self.username = os.environ.get("MENTORFLOW_SMTP_USERNAME", "")
        self.password = os.environ.get("MENTORFLOW_SMTP_PASSWORD", "")
        self.starttls = os.environ.get("MENTORFLOW_SMTP_STARTTLS", "false").lower() in ("1", "true", "yes")
        self.sender = os.environ.get("MENTORFLOW_SMTP_FROM", "mentorflow@localhost")
        self.institution = " ".join(os.environ.get("MENTORFLOW_INSTITUTION_NAME", "").split())  # one header line

    def send(self, message: Message, ctx: ChannelContext) -> None:
        self._configure()
        if not self.host:
            raise ConfigurationError(_("MENTORFLOW_SMTP_HOST is not set; the email channel cannot send."))
        if not message.recipient_email:
            raise ConfigurationError(_("Person {id} has no e-mail address.").format(id=message.recipient_id))
        mail = EmailMessage()
        mail["From"] = formataddr((self.institution, self.sender)) if self.institution else self.sender
        mail["To"] = message.recipient_email
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        key = str(message.meta.get("key", "")).replace(":", ".").replace(" ", "")
        domain = self.sender.rpartition("@")[2] or "localhost"
        mail["Message-ID"] = f"<{key or id(message)}@{domain}>"
        mail.set_content(f"{message.body}\n\n-- \n{self.institution}\n" if self.institution else message.body)
        mail["Content-Language"] = message.locale  # after set_content, which resets Content-* headers
        with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail)
