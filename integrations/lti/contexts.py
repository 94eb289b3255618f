"""Courses (LTI contexts) linked to programmes, and who is a member of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from mentorflow.clock import as_utc
from mentorflow.db.models import Programme
from mentorflow.errors import NotFound
from mentorflow.i18n import _

from .models import Context, Member

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow.engine import Engine

X, M, PR = Context.__table__, Member.__table__, Programme.__table__


@dataclass(frozen=True)
class ContextInfo:
    id: int
    platform_id: int
    deployment_id: str
    context_id: str
    title: str | None
    programme_id: int
    programme_key: str
    memberships_url: str | None
    lineitems_url: str | None
    lineitem_url: str | None
    scopes: tuple[str, ...]
    roster_synced_at: datetime | None
    resource_link_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "platform_id": self.platform_id, "deployment_id": self.deployment_id,
                "context_id": self.context_id, "title": self.title, "programme": self.programme_key,
                "memberships_url": self.memberships_url, "lineitems_url": self.lineitems_url,
                "lineitem_url": self.lineitem_url, "resource_link_id": self.resource_link_id,
                "scopes": list(self.scopes),
                "roster_synced_at": self.roster_synced_at.isoformat() if self.roster_synced_at else None}


def _info(row: Any) -> ContextInfo:
    return ContextInfo(row.id, row.platform_id, row.deployment_id, row.context_id, row.title, row.programme_id,
                       row.key, row.memberships_url, row.lineitems_url, row.lineitem_url, tuple(row.scopes or ()),
                       as_utc(row.roster_synced_at) if row.roster_synced_at else None, row.resource_link_id)


def _select() -> Any:
    return select(X, PR.c.key).join(PR, PR.c.id == X.c.programme_id)


def link_context(engine: Engine, *, platform_id: int, deployment_id: str, context_id: str, programme_id: int,
                 title: str | None = None, memberships_url: str | None = None, lineitems_url: str | None = None,
                 lineitem_url: str | None = None, scopes: list[str] | None = None,
                 resource_link_id: str | None = None) -> ContextInfo:
    """Create or refresh the link of a course to a programme with the service endpoints the launch named.

    ``resource_link_id`` is kept from the first launch that names one: a line item created for it carries it.
    """
    now = engine.clock.now()
    values: dict[str, Any] = {"deployment_id": deployment_id, "updated_at": now}
    for name, value in (("title", title), ("memberships_url", memberships_url), ("lineitems_url", lineitems_url),
                        ("lineitem_url", lineitem_url), ("scopes", scopes)):
        if value is not None:
            values[name] = value[:500] if isinstance(value, str) else value
    where = (X.c.platform_id == platform_id, X.c.context_id == context_id, X.c.programme_id == programme_id)
    with engine.write() as conn:
        found = conn.execute(select(X.c.id, X.c.resource_link_id).where(*where)).first()
        if resource_link_id and (found is None or not found.resource_link_id):
            values["resource_link_id"] = resource_link_id[:255]
        if found is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(X).values(platform_id=platform_id, context_id=context_id,
                                                  programme_id=programme_id, created_at=now, **values))
            except IntegrityError:  # a concurrent launch linked it first
                values.pop("resource_link_id", None)
                conn.execute(update(X).where(*where).values(**values))
        else:
            conn.execute(update(X).where(X.c.id == found.id).values(**values))
        row = conn.execute(_select().where(*where)).one()
    return _info(row)


def contexts_of(engine: Engine, *, platform_id: int | None = None, context_id: str | None = None,
                programme_id: int | None = None, context_row: int | None = None) -> list[ContextInfo]:
    query = _select().order_by(X.c.id)
    if platform_id is not None:
        query = query.where(X.c.platform_id == platform_id)
    if context_id is not None:
        query = query.where(X.c.context_id == context_id)
    if programme_id is not None:
        query = query.where(X.c.programme_id == programme_id)
    if context_row is not None:
        query = query.where(X.c.id == context_row)
    with engine.read() as conn:
        return [_info(r) for r in conn.execute(query)]


def get_context(engine: Engine, context_row: int) -> ContextInfo:
    found = contexts_of(engine, context_row=context_row)
    if not found:
        raise NotFound(_("No linked course {id}.").format(id=context_row))
    return found[0]


def set_lineitem(engine: Engine, context_row: int, url: str) -> None:
    with engine.write() as conn:
        conn.execute(update(X).where(X.c.id == context_row).values(lineitem_url=url[:500],
                                                                   updated_at=engine.clock.now()))


def mark_synced(engine: Engine, context_row: int) -> None:
    with engine.write() as conn:
        conn.execute(update(X).where(X.c.id == context_row).values(roster_synced_at=engine.clock.now()))


def record_member(conn: Connection, context_row: int, person_id: int, roles: list[str], status: str,
                  now: datetime) -> None:
    """Remember (or refresh) a person's membership of a linked course."""
    where = (M.c.lti_context_id == context_row, M.c.person_id == person_id)
    values = {"roles": roles, "status": status, "last_seen_at": now}
    if conn.execute(update(M).where(*where).values(**values)).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(M).values(lti_context_id=context_row, person_id=person_id, **values))
    except IntegrityError:
        conn.execute(update(M).where(*where).values(**values))


def members(engine: Engine, context_row: int, status: str | None = "Active") -> dict[int, list[str]]:
    """Person id → LTI roles of a linked course's members (active ones by default)."""
    query = select(M.c.person_id, M.c.roles).where(M.c.lti_context_id == context_row)
    if status is not None:
        query = query.where(M.c.status == status)
    with engine.read() as conn:
        return {r.person_id: list(r.roles) for r in conn.execute(query)}


def is_member_of_programme(engine: Engine, person_id: int, programme_id: int) -> bool:
    with engine.read() as conn:
        return conn.execute(select(M.c.id).join(X, X.c.id == M.c.lti_context_id).where(
            M.c.person_id == person_id, M.c.status == "Active", X.c.programme_id == programme_id)).first() is not None
