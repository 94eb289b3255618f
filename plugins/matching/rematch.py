"""Who needs a new mentor: mentees whose last relationship has ended and who have no active one.

Independent of the closure plugin's own records: it reads only the
relationships and their pinned workflows. Previous pairs are excluded from
every run anyway (see :func:`.pool.excluded_pairs`), so a rematch never
proposes a former mentor again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from mentorflow.actors import Actor
from mentorflow.clock import as_utc
from mentorflow.relationships import member_in

from .pool import M, R, require_coordinator, terminal_states

if TYPE_CHECKING:
    from mentorflow.engine import Engine


@dataclass(frozen=True, slots=True)
class RematchCandidate:
    mentee_id: int
    display_name: str
    last_relationship_id: int
    last_mentor_id: int | None
    last_state: str
    closed_at: datetime | None


def rematch_candidates(engine: Engine, programme: str | int, viewer: Actor | int) -> list[RematchCandidate]:
    """Mentees whose most recent relationship in the programme is in a terminal state and who have no active one.

    Coordinators and the system only. Ordered by when the relationship closed.
    """
    with engine.read() as conn:
        pid = engine.programme_id(programme, conn)
        require_coordinator(conn, pid, viewer)
        terminal = terminal_states(conn, pid)
        rows = conn.execute(select(R.c.id, M.c.person_id.label("mentee_id"), member_in("mentor").label("mentor_id"),
                                   R.c.state, R.c.workflow_version_id, R.c.closed_at)
                            .select_from(R.join(M, M.c.relationship_id == R.c.id))
                            .where(R.c.programme_id == pid, M.c.role == "mentee")
                            .order_by(M.c.person_id, R.c.started_at, R.c.id)).all()
    last: dict[int, Any] = {}
    active: set[int] = set()
    for row in rows:
        last[row.mentee_id] = row
        if row.state not in terminal.get(row.workflow_version_id, frozenset()):
            active.add(row.mentee_id)
    chosen = [row for mentee, row in last.items() if mentee not in active]
    names = engine.display_names([r.mentee_id for r in chosen])
    out = [RematchCandidate(r.mentee_id, names.get(r.mentee_id, ""), r.id, r.mentor_id, r.state,
                            as_utc(r.closed_at) if r.closed_at else None) for r in chosen]
    return sorted(out, key=lambda c: (c.closed_at is None, c.closed_at.timestamp() if c.closed_at else 0.0,
                                      c.mentee_id))
