"""Writing and reading the summary rows.

:func:`refresh` recomputes one relationship's figures (every plugin's ``mentorflow_relationship_figures``
answer, on the transaction's connection), stores them, and adds the difference to the programme's
sums: the cost depends on that relationship alone. :func:`programme_figures` reads the sums and the
deadlines that have passed through indexes. :func:`rebuild` recomputes everything from the
relationships' own rows (the audit log and the plugins' form data).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.db.models import Relationship
from mentorflow.engine import Engine
from mentorflow.figures import AtRisk, ProgrammeFigures
from mentorflow.i18n import localized
from mentorflow.relationships import snapshots
from mentorflow.snapshots import RelationshipSnapshot

from .definitions import AGREEMENT_UNANSWERED, DUTY_DUE, FALLING_HEALTH, SILENT, combine, core_figures
from .models import FigureDeadline, ProgrammeTotal, RelationshipValue

V = RelationshipValue.__table__
T = ProgrammeTotal.__table__
D = FigureDeadline.__table__
R = Relationship.__table__
LISTED = 50
"""The dashboard lists this many overdue duties and at-risk relationships of each kind; the rest are counted."""
WEEKS = 12
"""Weeks of reflections the dashboard charts."""


def compute(engine: Engine, conn: Connection, snap: RelationshipSnapshot) -> tuple[dict[str, float], list[Any]]:
    """One relationship's figures: the engine's and every plugin's answer, combined (see :mod:`.definitions`)."""
    workflow = engine.workflow_by_version(snap.workflow_version_id, conn)
    answers = engine.pm.hook.mentorflow_relationship_figures(relationship=snap, workflow=workflow,
                                                             connection=conn, engine=engine)
    return combine([core_figures(conn, snap, workflow), *answers])


def refresh(engine: Engine, conn: Connection, snap: RelationshipSnapshot) -> None:
    """Bring one relationship's summary rows and its programme's sums up to date, on ``conn``."""
    values, deadlines = compute(engine, conn, snap)
    old = dict(conn.execute(select(V.c.name, V.c.value).where(V.c.relationship_id == snap.id)).all())
    changed = {name: values.get(name, 0.0) - old.get(name, 0.0) for name in values.keys() | old.keys()}
    changed = {name: delta for name, delta in changed.items() if delta}
    for name, delta in sorted(changed.items()):  # a fixed order: two transactions lock sums in the same order
        _add(conn, snap.programme_id, name, delta)
        if name not in values:
            conn.execute(delete(V).where(V.c.relationship_id == snap.id, V.c.name == name))
        elif name in old:
            conn.execute(update(V).where(V.c.relationship_id == snap.id, V.c.name == name)
                         .values(value=values[name]))
        else:
            conn.execute(insert(V).values(relationship_id=snap.id, name=name, programme_id=snap.programme_id,
                                          value=values[name]))
    conn.execute(delete(D).where(D.c.relationship_id == snap.id))
    if deadlines:
        conn.execute(insert(D), [{"relationship_id": snap.id, "programme_id": snap.programme_id, "kind": d.kind,
                                  "at": d.at, "role": d.role, "person_id": d.person_id,
                                  "label": _label(d.label)} for d in deadlines])


def _label(label: Any) -> str | None:
    if label is None or isinstance(label, str):
        return label
    import json

    return json.dumps(dict(label), ensure_ascii=False, sort_keys=True)[:200]


def _add(conn: Connection, programme_id: int, name: str, delta: float) -> None:
    """Add ``delta`` to a programme's sum in one statement (an upsert: concurrent writers never collide)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    statement = upsert(T).values(programme_id=programme_id, name=name, value=delta)
    conn.execute(statement.on_conflict_do_update(index_elements=[T.c.programme_id, T.c.name],
                                                 set_={"value": T.c.value + statement.excluded.value}))


def rebuild(engine: Engine, conn: Connection, programme_id: int | None = None, batch: int = 1_000) -> int:
    """Recompute every relationship's figures (of one programme, or all) from their own rows; returns how many."""
    scope = [R.c.programme_id == programme_id] if programme_id is not None else []
    for table in (V, T, D):
        conn.execute(delete(table).where(*([table.c.programme_id == programme_id] if scope else [])))
    done, last = 0, 0
    while True:
        rows = conn.execute(select(R).where(R.c.id > last, *scope).order_by(R.c.id).limit(batch)).all()
        for snap in snapshots(conn, rows):
            refresh(engine, conn, snap)
        done += len(rows)
        if len(rows) < batch:
            return done
        last = rows[-1].id


def week_start(at: datetime) -> datetime:
    """The Monday 00:00 UTC that starts ``at``'s week (weeks are ISO weeks in UTC)."""
    day = as_utc(at).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def week_name(at: datetime) -> str:
    return f"reflections.week.{week_start(at).date().isoformat()}"


def programme_figures(engine: Engine, conn: Connection, programme_id: int, now: datetime) -> ProgrammeFigures:
    """The programme's figures from the sums and the passed deadlines: a fixed number of indexed reads."""
    weeks = [week_start(now) - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    week_names = [week_name(w) for w in weeks]
    rows = conn.execute(select(T.c.name, T.c.value).where(
        T.c.programme_id == programme_id, ~T.c.name.like("reflections.week.%") | T.c.name.in_(week_names)))
    totals = {name: value for name, value in rows if value}  # a sum back at zero reads as absent

    def passed(kind: str) -> Any:
        return (D.c.programme_id == programme_id) & (D.c.kind == kind) & (D.c.at < now)

    overdue_total = conn.execute(select(func.count()).select_from(D).where(passed(DUTY_DUE))).scalar_one()
    overdue = tuple({"relationship": r.relationship_id, "role": r.role, "person": r.person_id,
                     "label": _unlabel(r.label), "due_at": as_utc(r.at)}
                    for r in conn.execute(select(D).where(passed(DUTY_DUE))
                                          .order_by(D.c.at, D.c.relationship_id).limit(LISTED)))
    at_risk: list[AtRisk] = []
    risk_total: dict[str, int] = {}
    for kind in (SILENT, AGREEMENT_UNANSWERED):
        # One 'silent' deadline per relationship; an agreement may miss two signatures (count each once).
        counted = func.count() if kind == SILENT else func.count(func.distinct(D.c.relationship_id))
        risk_total[kind] = conn.execute(select(counted).select_from(D).where(passed(kind))).scalar_one()
        seen: set[int] = set()
        for r in conn.execute(select(D).where(passed(kind)).order_by(D.c.at, D.c.relationship_id)
                              .limit(LISTED * 2)):
            if r.relationship_id not in seen and len(seen) < LISTED:
                seen.add(r.relationship_id)
                at_risk.append(AtRisk(r.relationship_id, kind, as_utc(r.at), {"role": r.role}))
    falling = (V.c.programme_id == programme_id) & (V.c.name == FALLING_HEALTH) & (V.c.value > 0)
    risk_total[FALLING_HEALTH] = conn.execute(select(func.count()).select_from(V).where(falling)).scalar_one()
    at_risk += [AtRisk(rid, FALLING_HEALTH, None) for rid in conn.execute(
        select(V.c.relationship_id).where(falling).order_by(V.c.relationship_id).limit(LISTED)).scalars()]
    return ProgrammeFigures(totals=totals, overdue=overdue, overdue_total=overdue_total, at_risk=tuple(at_risk),
                            at_risk_total=risk_total, at=now, weeks=tuple(weeks))


def _unlabel(label: str | None) -> str | None:
    if label is None or not label.startswith("{"):
        return label
    import json

    return localized(json.loads(label))
