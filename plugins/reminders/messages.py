"""The words of each notification, in the recipient's language, dates as they write them (Babel)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from mentorflow.i18n import _, format_date, get_locale, localized, set_locale


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _link(relationship_id: int | None) -> str:
    base = os.environ.get("MENTORFLOW_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return f"{base}/relationships/{relationship_id}" if relationship_id else f"{base}/"


def _date(value: str, locale: str) -> str:
    # "3. december 2026" for a Danish reader, "December 3, 2026" for an English one; the day in UTC, as stored.
    return format_date(value, "long", locale)


def render(kind: str, context: dict[str, Any], recipient_name: str, locale: str) -> Rendered:
    """Subject and body for a notification of ``kind`` (remind, escalate, nudge, digest) in ``locale``."""
    previous = get_locale()
    set_locale(locale)
    try:
        return _render(kind, context, recipient_name, locale)
    finally:
        set_locale(previous)


def _render(kind: str, context: dict[str, Any], name: str, locale: str) -> Rendered:
    duty = localized(context.get("timer_label"), locale) or context.get("timer", "")
    link = _link(context.get("relationship_id"))
    greeting = _("Hello {name},").format(name=name)
    sign_off = _("Kind regards,\nmentorflow")
    if kind == "remind":
        due = _date(context["due_at"], locale)
        if context.get("before_due"):
            subject = _("Reminder: {duty} is due on {date}").format(duty=duty, date=due)
            text = _("This is a friendly reminder that {duty} is due on {date}.").format(duty=duty, date=due)
        else:
            subject = _("{duty} is due now").format(duty=duty)
            text = _("{duty} was due on {date}. Take a few minutes for it when you can.").format(duty=duty, date=due)
        open_link = _("Open your mentoring: {link}").format(link=link)
        body = f"{greeting}\n\n{text}\n\n{open_link}\n\n{sign_off}\n"
        return Rendered(subject, body)
    if kind == "escalate":
        subject = _("{person} is {days} days late with {duty}").format(
            person=context["person_name"], days=context["overdue_days"], duty=duty)
        text = _("{person} ({role}) in relationship {id} has not done {duty}, which was due on {date}. "
                 "You may want to check in with them.").format(
            person=context["person_name"], role=context.get("role_label", ""), id=context["relationship_id"],
            duty=duty, date=_date(context["due_at"], locale))
        body = f"{greeting}\n\n{text}\n\n{link}\n\n{sign_off}\n"
        return Rendered(subject, body)
    if kind == "nudge":  # a coordinator's reminder from the dashboard (see .nudges)
        subject = _("A reminder from your programme coordinator")
        text = _("Your programme coordinator asks you to take a look at your mentoring and the next step in it.")
        body = f"{greeting}\n\n{text}\n\n{_('Open your mentoring: {link}').format(link=link)}\n\n{sign_off}\n"
        return Rendered(subject, body)
    if kind == "digest":
        subject = _("Your mentoring programme today: {name}").format(name=localized(context["programme_name"], locale))
        lines = [f"- {localized(label, locale)}: {count}" for label, count in context["per_stage"]]
        overdue = _("Overdue duties: {n}").format(n=context["overdue"])
        body = f"{greeting}\n\n" + "\n".join(lines) + f"\n\n{overdue}\n\n{_link(None)}\n\n{sign_off}\n"
        return Rendered(subject, body)
    raise ValueError(f"unknown notification kind {kind!r}")
