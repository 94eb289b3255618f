"""The plugin's one table, ``kudos_items`` (created by its own migration, see ``migrations/``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

metadata = sa.MetaData()
KUDOS = sa.Table(
    "kudos_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("relationship_id", sa.Integer, nullable=False, index=True),
    sa.Column("audit_id", sa.Integer, nullable=False),
    sa.Column("sender_id", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Kudos:
    id: int
    sender_id: int
    message: str
    sent_at: datetime


def add(connection: Connection, relationship_id: int, audit_id: int, sender_id: int, message: str,
        at: datetime) -> None:
    connection.execute(KUDOS.insert().values(relationship_id=relationship_id, audit_id=audit_id,
                                             sender_id=sender_id, message=message, sent_at=at))


def sent_since(connection: Connection, relationship_id: int, sender_id: int, since: datetime) -> int:
    return connection.execute(sa.select(sa.func.count()).select_from(KUDOS).where(
        KUDOS.c.relationship_id == relationship_id, KUDOS.c.sender_id == sender_id,
        KUDOS.c.sent_at > since)).scalar_one()


def of_relationship(connection: Connection, relationship_id: int) -> list[Kudos]:
    rows = connection.execute(sa.select(KUDOS.c.id, KUDOS.c.sender_id, KUDOS.c.message, KUDOS.c.sent_at)
                              .where(KUDOS.c.relationship_id == relationship_id).order_by(KUDOS.c.id)).all()
    return [Kudos(r.id, r.sender_id, r.message, r.sent_at) for r in rows]
