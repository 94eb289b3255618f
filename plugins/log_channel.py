"""The ``log`` notification channel: writes each message to the ``mentorflow.notifications`` logger.

Always available, so a fresh installation can show what it would send
before SMTP or an LMS channel is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from mentorflow import ChannelContext, Message, NotificationChannel, hookimpl

log = logging.getLogger("mentorflow.notifications")


class LogChannel:
    name = "log"

    def send(self, message: Message, ctx: ChannelContext) -> None:
        log.info("to person %s (%s) [%s]: %s\n%s", message.recipient_id, message.locale, message.kind,
                 message.subject, message.body)


@hookimpl(trylast=True)
def mentorflow_notification_channels() -> Iterable[NotificationChannel]:
    return [LogChannel()]
