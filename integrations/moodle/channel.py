"""The ``moodle`` notification channel: a Moodle instant message (``core_message_send_instant_messages``).

Messages are sent as the Web Services token's user (make it a no-reply
account) to the recipient's Moodle account on the first configured site
where mentorflow knows it. Moodle needs messaging enabled and the token's
user needs ``moodle/site:sendmessage``.
"""

from __future__ import annotations

from mentorflow import extras
from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _
from mentorflow.notifications import ChannelContext, Message

from .client import MoodleError
from .sites import moodle_user_id, sites_on

PLAIN = 2  # Moodle's FORMAT_PLAIN


class MoodleChannel:
    """Delivers through Moodle's messaging; the engine sending (``ctx.engine``) knows the sites and accounts."""

    name = "moodle"

    def send(self, message: Message, ctx: ChannelContext) -> None:
        # Without httpx the channel still exists (a programme naming it stays valid) and says what to install.
        extras.require("moodle", _("The Moodle notification channel"))
        with ctx.engine.read() as conn:
            for site in sites_on(conn):
                user_id = moodle_user_id(conn, site, message.recipient_id)
                if user_id is not None:
                    break
            else:
                raise ConfigurationError(_("Person {id} has no Moodle account mentorflow knows of.").format(
                    id=message.recipient_id))
        text = f"{message.subject}\n\n{message.body}"
        client_id = str(message.meta.get("key") or "")[:100] or None
        with site.client() as client:
            answer = client.send_instant_messages([{"touserid": user_id, "text": text, "textformat": PLAIN,
                                                    "clientmsgid": client_id}])
        failed = [a for a in answer if int(a.get("msgid", -1)) == -1]
        if failed or not answer:
            detail = failed[0].get("errormessage") if failed else _("no answer")
            raise MoodleError(_("Moodle did not deliver the message to user {user}: {error}").format(
                user=user_id, error=detail), function="core_message_send_instant_messages")
