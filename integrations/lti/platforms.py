"""Registered platforms and deployments: manual registration, look-ups for launches, role maps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from mentorflow.clock import as_utc
from mentorflow.errors import NotFound, UserError
from mentorflow.i18n import _

from .models import Deployment, Platform

if TYPE_CHECKING:
    from mentorflow.engine import Engine

P, D = Platform.__table__, Deployment.__table__

# Moodle sends only Instructor, Learner and Administrator; other platforms send more (Mentor,
# TeachingAssistant, ContentDeveloper ...). Keys are the role's short name (the part after '#').
DEFAULT_ROLE_MAP: dict[str, str] = {"Administrator": "coordinator", "Instructor": "coordinator",
                                    "TeachingAssistant": "coordinator", "Mentor": "mentor",
                                    "Learner": "participant", "Member": "participant"}
ROLE_TARGETS = ("coordinator", "mentor", "mentee", "facilitator", "peer", "participant", "none")
"""What an LTI role may become: a coordinator, a member role of any format (a circle's facilitator and peers
too), ``participant`` (the programme's ``learner_role`` decides) or nothing."""


@dataclass(frozen=True)
class PlatformInfo:
    id: int
    issuer: str
    client_id: str
    name: str
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    token_audience: str | None
    created_at: datetime
    deployments: tuple[DeploymentInfo, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "issuer": self.issuer, "client_id": self.client_id, "name": self.name,
                "auth_login_url": self.auth_login_url, "auth_token_url": self.auth_token_url,
                "jwks_url": self.jwks_url, "token_audience": self.token_audience,
                "created_at": self.created_at.isoformat(),
                "deployments": [d.as_dict() for d in self.deployments]}


@dataclass(frozen=True)
class DeploymentInfo:
    id: int
    platform_id: int
    deployment_id: str
    role_map: dict[str, str]
    programmes: tuple[str, ...] | None

    def as_dict(self) -> dict[str, Any]:
        return {"deployment_id": self.deployment_id, "role_map": self.role_map,
                "programmes": list(self.programmes) if self.programmes is not None else None}

    def allows_programme(self, key: str) -> bool:
        return self.programmes is None or key in self.programmes


def _check_url(value: str, field: str) -> str:
    parts = urlsplit(value or "")
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise UserError(_("{field} must be an http(s) URL, not '{value}'.").format(field=field, value=value))
    return value


def check_role_map(role_map: dict[str, Any] | None) -> dict[str, str]:
    """The deployment's role map merged over the default; unknown targets are refused."""
    merged = dict(DEFAULT_ROLE_MAP)
    for role, target in (role_map or {}).items():
        if target not in ROLE_TARGETS:
            raise UserError(_("Role '{role}' maps to '{target}'; choose one of {choices}.").format(
                role=role, target=target, choices=", ".join(ROLE_TARGETS)))
        merged[str(role).rsplit("#", 1)[-1]] = str(target)
    return merged


def _deployment(row: Any) -> DeploymentInfo:
    return DeploymentInfo(row.id, row.platform_id, row.deployment_id, check_role_map(row.role_map),
                          tuple(row.programmes) if row.programmes is not None else None)


def _platform(row: Any, deployments: list[DeploymentInfo]) -> PlatformInfo:
    return PlatformInfo(row.id, row.issuer, row.client_id, row.name, row.auth_login_url, row.auth_token_url,
                        row.jwks_url, row.token_audience, as_utc(row.created_at), tuple(deployments))


def register_platform(engine: Engine, *, issuer: str, client_id: str, auth_login_url: str, auth_token_url: str,
                      jwks_url: str, deployment_ids: list[str] | tuple[str, ...] = (), name: str | None = None,
                      token_audience: str | None = None, role_map: dict[str, str] | None = None,
                      programmes: list[str] | None = None, registration: dict[str, Any] | None = None
                      ) -> PlatformInfo:
    """Register a platform (or add deployments to an already registered issuer and client id)."""
    issuer = issuer.strip()
    if not issuer or not client_id.strip():
        raise UserError(_("A platform needs an issuer and a client id."))
    for value, field in ((auth_login_url, "auth_login_url"), (auth_token_url, "auth_token_url"),
                         (jwks_url, "jwks_url")):
        _check_url(value, field)
    check_role_map(role_map)
    now = engine.clock.now()
    with engine.write() as conn:
        existing = conn.execute(select(P.c.id).where(P.c.issuer == issuer, P.c.client_id == client_id)).scalar()
        values = {"name": name or urlsplit(issuer).netloc or issuer, "auth_login_url": auth_login_url,
                  "auth_token_url": auth_token_url, "jwks_url": jwks_url, "token_audience": token_audience}
        if existing is None:
            platform_id = conn.execute(insert(P).values(issuer=issuer, client_id=client_id.strip(), jwks=None,
                                                        registration=registration, created_at=now, **values)
                                       ).inserted_primary_key[0]
        else:
            platform_id = existing
            conn.execute(update(P).where(P.c.id == existing).values(jwks=None, jwks_fetched_at=None, **values))
        for deployment_id in deployment_ids:
            _add_deployment(conn, platform_id, deployment_id, role_map, programmes, now)
    return get_platform(engine, platform_id)


def _add_deployment(conn: Any, platform_id: int, deployment_id: str, role_map: dict[str, str] | None,
                    programmes: list[str] | None, now: datetime) -> None:
    if not str(deployment_id).strip():
        raise UserError(_("A deployment id must not be empty."))
    found = conn.execute(select(D.c.id).where(D.c.platform_id == platform_id,
                                              D.c.deployment_id == str(deployment_id))).scalar()
    if found is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(D).values(platform_id=platform_id, deployment_id=str(deployment_id),
                                              role_map=role_map, programmes=programmes, created_at=now))
        except IntegrityError:  # a concurrent registration added it
            pass
    elif role_map is not None or programmes is not None:
        changes: dict[str, Any] = {}
        if role_map is not None:
            changes["role_map"] = role_map
        if programmes is not None:
            changes["programmes"] = programmes
        conn.execute(update(D).where(D.c.id == found).values(**changes))


def add_deployment(engine: Engine, platform_id: int, deployment_id: str, *, role_map: dict[str, str] | None = None,
                   programmes: list[str] | None = None) -> PlatformInfo:
    """Add (or reconfigure) a deployment of a registered platform."""
    check_role_map(role_map)
    get_platform(engine, platform_id)
    with engine.write() as conn:
        _add_deployment(conn, platform_id, deployment_id, role_map, programmes, engine.clock.now())
    return get_platform(engine, platform_id)


def list_platforms(engine: Engine) -> list[PlatformInfo]:
    with engine.read() as conn:
        deployments: dict[int, list[DeploymentInfo]] = {}
        for row in conn.execute(select(D).order_by(D.c.id)):
            deployments.setdefault(row.platform_id, []).append(_deployment(row))
        return [_platform(row, deployments.get(row.id, [])) for row in conn.execute(select(P).order_by(P.c.id))]


def get_platform(engine: Engine, platform_id: int) -> PlatformInfo:
    for platform in list_platforms(engine):
        if platform.id == platform_id:
            return platform
    raise NotFound(_("LTI platform {id} is not registered.").format(id=platform_id))


def find_platform(engine: Engine, issuer: str, client_id: str | None) -> PlatformInfo | None:
    """The platform for a launch's issuer and client id (the only one of that issuer when no client id)."""
    with engine.read() as conn:
        query = select(P).where(P.c.issuer == issuer)
        if client_id:
            query = query.where(P.c.client_id == client_id)
        rows = conn.execute(query.order_by(P.c.id)).all()
        if len(rows) != 1:
            return None
        deployments = [_deployment(r) for r in conn.execute(select(D).where(D.c.platform_id == rows[0].id))]
    return _platform(rows[0], deployments)


def find_deployment(platform: PlatformInfo, deployment_id: str) -> DeploymentInfo | None:
    return next((d for d in platform.deployments if d.deployment_id == deployment_id), None)


def remove_platform(engine: Engine, platform_id: int) -> None:
    with engine.write() as conn:
        if not conn.execute(delete(P).where(P.c.id == platform_id)).rowcount:
            raise NotFound(_("LTI platform {id} is not registered.").format(id=platform_id))
