"""Enrolment with a coordinator's approval, and invitation links (issue #17).

Framework-free: the console's pages (:mod:`.console_enrolment_pages`) and the REST API (:mod:`.api_console`) call it.

- **Approval** is a programme setting (``mf_console_enrolment``; off unless a coordinator turns it on). When it is on,
  someone who signs up through an invitation link becomes a *pending applicant*; a coordinator of the programme
  approves (the role is granted, the sign-up profile stored) or declines with a reason the applicant reads. Each
  decision keeps who made it and when (the row is the audit record) and is logged.
- **Invitation links** are per programme and role, unguessable (a 256-bit secret), expiring and revocable; only the
  secret's SHA-256 is stored, as for API tokens (:mod:`mentorflow.tokens`). A link that is unknown, expired or
  revoked gets one and the same answer, so a link tells nothing about others.

Who may manage either is a coordinator of that programme (:func:`mentorflow.policy.coordinator_for`) or an
administrator; the sign-up profile is the programme's (:func:`mentorflow.signup.signup_profile`), checked before
anything is written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mentorflow import policy
from mentorflow.actors import Actor, as_actor
from mentorflow.clock import as_utc
from mentorflow.db.database import inserted_id
from mentorflow.db.models import Programme, ProgrammeRole
from mentorflow.engine import Engine
from mentorflow.errors import FormInvalid, NotFound, Problem, UserError
from mentorflow.i18n import _
from mentorflow.signup import signup_profile

from .models import Application, EnrolmentSetting, Invitation

log = logging.getLogger("mentorflow.console")
A, INV, S, T, P = (Application.__table__, Invitation.__table__, EnrolmentSetting.__table__, ProgrammeRole.__table__,
                   Programme.__table__)
ROLES = ("mentee", "mentor")
"""The roles an invitation or an application is for."""
DEFAULT_DAYS, MAX_DAYS = 14, 90
"""How long an invitation link lasts by default, and at most."""
REASON_LIMIT = 2000
PREFIX = "inv"


class EnrolmentInvalid(FormInvalid):
    """A request about enrolment with a problem at each field (nothing was written)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("enrolment", problems)


@dataclass(frozen=True)
class InvitationInfo:
    id: int
    programme: str
    role: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    uses: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "programme": self.programme, "role": self.role,
                "created_at": self.created_at.isoformat(), "expires_at": self.expires_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None, "uses": self.uses}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _coordinated(conn: Connection, engine: Engine, key: str, actor: Actor, administrator: bool) -> int:
    programme_id = engine.programme_id(key, conn)
    if not administrator:
        policy.coordinator_for(conn, actor, programme_id,
                               refusal=_("Only a coordinator of programme '{key}' may do this.").format(key=key))
    return programme_id


# -- approval -----------------------------------------------------------------------------------------------------
def approval_in(conn: Connection, programme_id: int) -> bool:
    """Whether sign-ups to the programme wait for a coordinator's approval (off unless turned on)."""
    return bool(conn.execute(select(S.c.approval).where(S.c.programme_id == programme_id)).scalar())


def approval(engine: Engine, key: str, actor: Actor | int, *, administrator: bool = False) -> bool:
    with engine.read() as conn:
        return approval_in(conn, _coordinated(conn, engine, key, as_actor(actor), administrator))


def set_approval(engine: Engine, key: str, actor: Actor | int, on: Any, *, administrator: bool = False) -> bool:
    """Turn approval on or off for the programme; pending applicants stay pending either way."""
    if not isinstance(on, bool):
        raise EnrolmentInvalid([Problem("/approval", _("must be true or false"))])
    actor = as_actor(actor)
    with engine.write() as conn:
        programme_id = _coordinated(conn, engine, key, actor, administrator)
        values = {"approval": on, "changed_by": actor.person_id, "changed_at": engine.clock.now()}
        if conn.execute(update(S).where(S.c.programme_id == programme_id).values(**values)).rowcount == 0:
            conn.execute(insert(S).values(programme_id=programme_id, **values))
    log.info(json.dumps({"event": "approval_set", "programme": key, "approval": on, "by": actor.person_id}))
    return on


# -- invitations --------------------------------------------------------------------------------------------------
def _info(row: Any, key: str) -> InvitationInfo:
    return InvitationInfo(row.id, key, row.role, as_utc(row.created_at), as_utc(row.expires_at),
                          as_utc(row.revoked_at) if row.revoked_at else None, row.uses)


def create_invitation(engine: Engine, key: str, actor: Actor | int, role: Any, days: Any = DEFAULT_DAYS, *,
                      administrator: bool = False) -> tuple[str, InvitationInfo]:
    """A new invitation link's secret (shown once) and its description; it lasts ``days`` (1 to 90)."""
    actor = as_actor(actor)
    problems = []
    if role not in ROLES:
        problems.append(Problem("/role", _("must be mentee or mentor")))
    if isinstance(days, str) and days.strip().isdigit():
        days = int(days)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        problems.append(Problem("/days", _("a whole number of days from 1 to {n}").format(n=MAX_DAYS)))
    with engine.read() as conn:
        _coordinated(conn, engine, key, actor, administrator)
    if problems:
        raise EnrolmentInvalid(problems)
    prefix = secrets.token_hex(6)
    secret = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    now = engine.clock.now()
    with engine.write() as conn:
        programme_id = _coordinated(conn, engine, key, actor, administrator)
        invitation_id = inserted_id(conn.execute(insert(INV).values(
            programme_id=programme_id, role=role, prefix=prefix, token_hash=_hash(secret), created_by=actor.person_id,
            created_at=now, expires_at=now + timedelta(days=days), uses=0)))
        row = conn.execute(select(INV).where(INV.c.id == invitation_id)).one()
    log.info(json.dumps({"event": "invitation_created", "programme": key, "role": role, "id": invitation_id,
                         "by": actor.person_id}))
    return secret, _info(row, key)


def invitations(engine: Engine, key: str, actor: Actor | int, *, administrator: bool = False
                ) -> list[InvitationInfo]:
    """The programme's invitation links, newest first (expired and revoked ones too: they are the record)."""
    with engine.read() as conn:
        programme_id = _coordinated(conn, engine, key, as_actor(actor), administrator)
        rows = conn.execute(select(INV).where(INV.c.programme_id == programme_id).order_by(INV.c.id.desc())).all()
    return [_info(r, key) for r in rows]


def revoke_invitation(engine: Engine, key: str, actor: Actor | int, invitation_id: int, *,
                      administrator: bool = False) -> None:
    actor = as_actor(actor)
    with engine.write() as conn:
        programme_id = _coordinated(conn, engine, key, actor, administrator)
        done = conn.execute(update(INV).where(INV.c.id == invitation_id, INV.c.programme_id == programme_id,
                                            INV.c.revoked_at.is_(None)).values(revoked_at=engine.clock.now())).rowcount
    if not done:
        raise NotFound(_("No active invitation {id} in programme '{key}'.").format(id=invitation_id, key=key))
    log.info(json.dumps({"event": "invitation_revoked", "programme": key, "id": invitation_id,
                         "by": actor.person_id}))


@dataclass(frozen=True)
class Invited:
    """What an invitation link opens: a programme and a role."""

    invitation_id: int
    programme_id: int
    programme: str
    role: str


def invitation(engine: Engine, secret: Any) -> Invited:
    """The invitation of a link's secret; one NotFound for unknown, expired and revoked links alike."""
    refused = NotFound(_("This invitation link is not valid: it may have expired or been withdrawn. Ask the "
                         "programme's coordinator for a new one."))
    parts = secret.split("_", 2) if isinstance(secret, str) and len(secret) < 200 else []
    if len(parts) != 3 or parts[0] != PREFIX:
        raise refused
    with engine.read() as conn:
        row = conn.execute(select(INV, P.c.key).join(P, P.c.id == INV.c.programme_id).where(
            INV.c.prefix == parts[1])).first()
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= engine.clock.now() \
            or not hmac.compare_digest(row.token_hash, _hash(secret)):
        raise refused
    return Invited(row.id, row.programme_id, row.key, row.role)


# -- signing up through a link, and the coordinator's decision ------------------------------------------------------
def accept(engine: Engine, secret: Any, person_id: int, profile: Any = None) -> dict[str, Any]:
    """Sign ``person_id`` up through an invitation link: enrolled at once, or a pending application.

    The programme's sign-up profile (when a plugin offers one) is checked first, problems by JSON pointer, and
    nothing is written on any problem. Accepting twice changes nothing (``already`` or the same pending application).
    """
    invited = invitation(engine, secret)
    _vid, workflow = engine.current_workflow(invited.programme)
    offered = signup_profile(engine, invited.programme_id, workflow)
    if offered is not None:
        problems = offered.check(profile if profile is not None else {})
        if problems:
            raise FormInvalid(offered.form, problems)
    elif profile not in (None, {}):
        raise EnrolmentInvalid([Problem("/profile", _("this programme asks for no profile"))])
    now = engine.clock.now()
    with engine.write() as conn:
        if conn.execute(select(T.c.id).where(T.c.programme_id == invited.programme_id, T.c.person_id == person_id,
                                             T.c.role == invited.role)).first() is not None:
            return {"status": "already", "programme": invited.programme, "role": invited.role}
        pending = conn.execute(select(A.c.id).where(A.c.programme_id == invited.programme_id,
                                                    A.c.person_id == person_id, A.c.role == invited.role,
                                                    A.c.status == "pending")).scalar()
        if pending is not None:
            return {"status": "pending", "programme": invited.programme, "role": invited.role, "application": pending}
        conn.execute(update(INV).where(INV.c.id == invited.invitation_id).values(uses=INV.c.uses + 1))
        if approval_in(conn, invited.programme_id):
            application = inserted_id(conn.execute(insert(A).values(
                programme_id=invited.programme_id, person_id=person_id, role=invited.role,
                profile=profile if offered is not None else None, status="pending", created_at=now)))
            result = {"status": "pending", "programme": invited.programme, "role": invited.role,
                      "application": application}
        else:
            conn.execute(insert(T).values(programme_id=invited.programme_id, person_id=person_id, role=invited.role))
            result = {"status": "enrolled", "programme": invited.programme, "role": invited.role}
    if result["status"] == "enrolled" and offered is not None and profile is not None:
        offered.store(person_id, invited.role, profile, person_id)
    log.info(json.dumps({"event": "invitation_used", "programme": invited.programme, "person": person_id,
                         "status": result["status"]}))
    return result


def _application(row: Any, names: dict[int, str]) -> dict[str, Any]:
    return {"id": row.id, "person_id": row.person_id, "display_name": names.get(row.person_id, ""),
            "role": row.role, "profile": row.profile, "status": row.status, "reason": row.reason,
            "created_at": as_utc(row.created_at).isoformat(),
            "decided_by": row.decided_by, "decided_at": as_utc(row.decided_at).isoformat() if row.decided_at else None}


def applications(engine: Engine, key: str, actor: Actor | int, status: Any = "pending", *,
                 administrator: bool = False) -> list[dict[str, Any]]:
    """The programme's applications with ``status`` (pending, approved, declined; None: all), oldest first."""
    if status not in (None, "pending", "approved", "declined"):
        raise EnrolmentInvalid([Problem("/status", _("must be pending, approved or declined"))])
    with engine.read() as conn:
        programme_id = _coordinated(conn, engine, key, as_actor(actor), administrator)
        query = select(A).where(A.c.programme_id == programme_id).order_by(A.c.id)
        rows = conn.execute(query.where(A.c.status == status) if status else query).all()
    names = engine.display_names({r.person_id for r in rows})
    return [_application(r, names) for r in rows]


def decide(engine: Engine, key: str, actor: Actor | int, application_id: int, approve: Any, reason: Any = None, *,
           administrator: bool = False) -> dict[str, Any]:
    """Approve (grant the role, store the profile) or decline a pending application; declining needs a reason."""
    actor = as_actor(actor)
    problems = []
    if not isinstance(approve, bool):
        problems.append(Problem("/approve", _("must be true or false")))
    if reason is not None and not isinstance(reason, str):
        problems.append(Problem("/reason", _("must be a text")))
        reason = None
    reason = (reason or "").strip() or None
    if approve is False and reason is None:
        problems.append(Problem("/reason", _("say why, for the applicant to read")))
    if reason is not None and len(reason) > REASON_LIMIT:
        problems.append(Problem("/reason", _("at most {n} characters").format(n=REASON_LIMIT)))
    with engine.read() as conn:
        _coordinated(conn, engine, key, actor, administrator)
    if problems:
        raise EnrolmentInvalid(problems)
    with engine.write() as conn:
        programme_id = _coordinated(conn, engine, key, actor, administrator)
        row = conn.execute(select(A).where(A.c.id == application_id, A.c.programme_id == programme_id)
                           .with_for_update()).first()
        if row is None:
            raise NotFound(_("Application {id} is not in programme '{key}'.").format(id=application_id, key=key))
        if row.status != "pending":
            raise UserError(_("This application was decided already."))
        conn.execute(update(A).where(A.c.id == row.id).values(
            status="approved" if approve else "declined", reason=reason, decided_by=actor.person_id,
            decided_at=engine.clock.now()))
        if approve and conn.execute(select(T.c.id).where(T.c.programme_id == programme_id,
                                                         T.c.person_id == row.person_id,
                                                         T.c.role == row.role)).first() is None:
            conn.execute(insert(T).values(programme_id=programme_id, person_id=row.person_id, role=row.role))
    if approve and row.profile is not None:
        _vid, workflow = engine.current_workflow(key)
        offered = signup_profile(engine, programme_id, workflow)
        if offered is not None:
            offered.store(row.person_id, row.role, row.profile, actor.person_id or row.person_id)
    log.info(json.dumps({"event": "application_decided", "programme": key, "application": row.id,
                         "approved": approve, "by": actor.person_id}))
    return {"id": row.id, "status": "approved" if approve else "declined", "reason": reason}


def my_applications(engine: Engine, person_id: int) -> list[dict[str, Any]]:
    """A person's own applications, newest first, with the programme and the reason a coordinator gave."""
    with engine.read() as conn:
        rows = conn.execute(select(A, P.c.key, P.c.name.label("programme_name")).join(
            P, P.c.id == A.c.programme_id).where(A.c.person_id == person_id).order_by(A.c.id.desc())).all()
    return [{"id": r.id, "programme": r.key, "programme_name": r.programme_name, "role": r.role,
             "status": r.status, "reason": r.reason, "created_at": as_utc(r.created_at).isoformat(),
             "decided_at": as_utc(r.decided_at).isoformat() if r.decided_at else None} for r in rows]
