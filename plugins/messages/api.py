"""The conversation of a relationship: read it, write to it, and know what is unread.

Who reads what is decided only by :mod:`mentorflow.policy` (:func:`~mentorflow.policy.conversation_access`):
every current member reads every message; coordinators of the programme (and administrators) see how many
messages there are and when the last was written, never their words; a member who has left, and anyone else,
gets :class:`mentorflow.NotFound` as for a relationship that does not exist. Only a current member writes, and
only while the relationship is open (:func:`~mentorflow.policy.may_post_message`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection

from mentorflow import Actor, Engine, RelationshipSnapshot
from mentorflow.actors import as_actor
from mentorflow.clock import as_utc
from mentorflow.db.models import Person
from mentorflow.errors import Forbidden, FormInvalid, Problem
from mentorflow.i18n import _
from mentorflow.policy import Access, Viewer, conversation_access, may_post_message, relationship_for
from mentorflow.relationships import missing
from mentorflow.text import is_text

from .models import Message, ReadMark
from .notify import owe_notices

M = Message.__table__
R = ReadMark.__table__
P = Person.__table__

MAX_LENGTH = 4000
"""The longest message, in characters (a long e-mail; the thread is a conversation, not a document store)."""
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message as a member reads it."""

    id: int
    relationship_id: int
    author_id: int
    author_name: str
    author_role: str
    posted_at: datetime
    body: str
    mine: bool


@dataclass(frozen=True, slots=True)
class Summary:
    """What every viewer of the conversation may know: how many messages, the last one when (no words)."""

    relationship_id: int
    count: int
    last_posted_at: datetime | None
    unread: int | None = None
    """Messages by the others the viewer has not read yet; None for a viewer who is not a member."""


@dataclass(frozen=True, slots=True)
class Thread:
    """One page of the conversation, newest first; ``before`` for the next (older) page is ``next_before``."""

    items: tuple[MessageView, ...]
    summary: Summary
    next_before: int | None


def _viewer(conn: Connection, actor: Actor | int, relationship: RelationshipSnapshot | int
            ) -> tuple[RelationshipSnapshot, Viewer, Access]:
    snap, who = relationship_for(conn, actor, relationship)
    level = conversation_access(who)
    if level is Access.NONE:  # no reader of the conversation: as if the relationship did not exist
        raise missing(snap.id)
    return snap, who, level


def _last_read(conn: Connection, relationship_id: int, person_id: int | None) -> int:
    return conn.execute(select(R.c.last_read_id).where(R.c.relationship_id == relationship_id,
                                                       R.c.person_id == person_id)).scalar() or 0


def _summary(conn: Connection, snap: RelationshipSnapshot, who: Viewer, level: Access) -> Summary:
    count, last = conn.execute(select(func.count(), func.max(M.c.posted_at)).where(
        M.c.relationship_id == snap.id)).one()
    unread = None
    if level is Access.FULL:
        person = who.actor.person_id
        unread = conn.execute(select(func.count()).where(
            M.c.relationship_id == snap.id, M.c.author_id != person,
            M.c.id > _last_read(conn, snap.id, person))).scalar_one()
    return Summary(snap.id, count, as_utc(last) if last else None, unread)


def summary(engine: Engine, relationship: RelationshipSnapshot | int, actor: Actor | int) -> Summary:
    """How many messages and the last one when, for a member or a coordinator; NotFound for anyone else."""
    with engine.read() as conn:
        snap, who, level = _viewer(conn, actor, relationship)
        return _summary(conn, snap, who, level)


def thread(engine: Engine, relationship: RelationshipSnapshot | int, actor: Actor | int, *,
           limit: int = DEFAULT_PER_PAGE, before: int | None = None) -> Thread:
    """Up to ``limit`` messages older than message ``before`` (None: the newest), newest first; members only.

    A coordinator gets :class:`~mentorflow.errors.Forbidden` (they may ask :func:`summary`).
    """
    if not 1 <= limit <= MAX_PER_PAGE:
        raise FormInvalid("request", [Problem("/limit", _("must be a whole number from 1 to {max}").format(
            max=MAX_PER_PAGE))])
    with engine.read() as conn:
        snap, who, level = _viewer(conn, actor, relationship)
        if level is not Access.FULL:
            raise Forbidden(_("Only the members of a relationship read its messages."))
        query = (select(M, P.c.display_name).join(P, P.c.id == M.c.author_id)
                 .where(M.c.relationship_id == snap.id).order_by(M.c.id.desc()).limit(limit + 1))
        if before is not None:
            query = query.where(M.c.id < before)
        rows = conn.execute(query).all()
        person = who.actor.person_id
        items = tuple(MessageView(id=r.id, relationship_id=r.relationship_id, author_id=r.author_id,
                                  author_name=r.display_name, author_role=r.author_role,
                                  posted_at=as_utc(r.posted_at), body=r.body, mine=r.author_id == person)
                      for r in rows[:limit])
        return Thread(items, _summary(conn, snap, who, level), items[-1].id if len(rows) > limit else None)


def body_problems(body: Any) -> tuple[str | None, list[Problem]]:
    """The message's text without surrounding blanks, or the problem with it at ``/body``."""
    if not isinstance(body, str):
        return None, [Problem("/body", _("must be text"))]
    if not is_text(body):
        return None, [Problem("/body", _("contains a character that is not valid Unicode text"))]
    text = body.replace("\r\n", "\n").strip()
    if not text:
        return None, [Problem("/body", _("write a message first: it is empty"))]
    if len(text) > MAX_LENGTH:
        return None, [Problem("/body", _("is {n} characters long; a message holds at most {max}").format(
            n=len(text), max=MAX_LENGTH))]
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        return None, [Problem("/body", _("contains control characters; write plain text"))]
    return text, []


def post(engine: Engine, relationship: RelationshipSnapshot | int, actor: Actor | int, body: Any) -> MessageView:
    """Write ``body`` to the conversation as ``actor`` (a current member, the relationship open).

    :class:`~mentorflow.errors.FormInvalid` at ``/body`` for an empty, too long or broken text (nothing is
    written); :class:`~mentorflow.errors.Forbidden` for a coordinator or on a closed relationship. The
    author's own message counts as read, and each other member is owed one (batched) notification.
    """
    text, problems = body_problems(body)
    if problems or text is None:
        raise FormInvalid("message", problems)
    actor = as_actor(actor)
    now = engine.clock.now()
    with engine.write() as conn:
        snap, who, _level = _viewer(conn, actor, relationship)
        if not may_post_message(snap, who):
            raise Forbidden(_("This relationship has ended; its conversation can be read but not added to.")
                            if who.is_participant else _("Only the members of a relationship write to it."))
        person = actor.person_id
        assert person is not None  # a member is a person
        role = next((m.role for m in snap.members if m.person_id == person), "")
        inserted = conn.execute(M.insert().values(relationship_id=snap.id, author_id=person, author_role=role,
                                                  posted_at=now, body=text).returning(M.c.id))
        message_id = int(inserted.scalar_one())
        _mark(conn, snap.id, person, message_id, now)
        owe_notices(conn, snap, person, message_id, now)
        name = conn.execute(select(P.c.display_name).where(P.c.id == person)).scalar_one()
    return MessageView(message_id, snap.id, person, name, role, now, text, True)


def _mark(conn: Connection, relationship_id: int, person_id: int, up_to: int, now: datetime) -> None:
    done = conn.execute(update(R).where(R.c.relationship_id == relationship_id, R.c.person_id == person_id,
                                        R.c.last_read_id < up_to).values(last_read_id=up_to, read_at=now)).rowcount
    if not done and conn.execute(select(R.c.last_read_id).where(
            R.c.relationship_id == relationship_id, R.c.person_id == person_id)).first() is None:
        conn.execute(R.insert().values(relationship_id=relationship_id, person_id=person_id, last_read_id=up_to,
                                       read_at=now))


def mark_read(engine: Engine, relationship: RelationshipSnapshot | int, actor: Actor | int,
              up_to: int | None = None) -> Summary:
    """Mark the conversation read by ``actor`` (a member) up to message ``up_to`` (None: the newest)."""
    now = engine.clock.now()
    with engine.write() as conn:
        snap, who, level = _viewer(conn, actor, relationship)
        if level is not Access.FULL:
            raise Forbidden(_("Only the members of a relationship read its messages."))
        newest = conn.execute(select(func.max(M.c.id)).where(M.c.relationship_id == snap.id)).scalar() or 0
        target = newest if up_to is None else min(up_to, newest)
        person = who.actor.person_id
        if target and person is not None:
            _mark(conn, snap.id, person, target, now)
        return _summary(conn, snap, who, level)


def unread_counts(engine: Engine, person_id: int, relationship_ids: Iterable[int]) -> dict[int, int]:
    """Unread messages by others per relationship, for ``person_id``'s own relationships (one query).

    Ask only about relationships the person is a current member of (the "My mentoring" page lists them).
    """
    ids = sorted(set(relationship_ids))
    if not ids:
        return {}
    read = R.alias("mark")
    query = (select(M.c.relationship_id, func.count()).select_from(M.outerjoin(read, and_(
        read.c.relationship_id == M.c.relationship_id, read.c.person_id == person_id)))
        .where(M.c.relationship_id.in_(ids), M.c.author_id != person_id,
               M.c.id > func.coalesce(read.c.last_read_id, 0)).group_by(M.c.relationship_id))
    with engine.read() as conn:
        return {rid: n for rid, n in conn.execute(query).all()}
