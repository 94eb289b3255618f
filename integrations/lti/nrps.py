"""Names and Role Provisioning Services: import a course roster as programme participants, and keep it in step.

``sync_roster`` pages through the membership container (``Link: <...>; rel="next"``),
creates or updates each person, records their membership and grants the
roles the deployment's role map and the programme's ``learner_role`` give.
Members the platform reports as Inactive or Deleted keep their programme
roles (mentorflow never drops a running relationship on its own) but their
membership is marked so grades stop going to them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mentorflow.i18n import _

from . import claims as C
from .contexts import ContextInfo, contexts_of, get_context, mark_synced, record_member
from .errors import ServiceError
from .people import upsert_person
from .platforms import find_deployment, get_platform
from .roles import grant, targets
from .services import call
from .settings import programme_lti_settings

if TYPE_CHECKING:
    from mentorflow.engine import Engine

MAX_PAGES = 1000


@dataclass
class RosterReport:
    context: int
    members: int = 0
    created: int = 0
    updated: int = 0
    inactive: int = 0
    pages: int = 0
    roles: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"context": self.context, "members": self.members, "created": self.created, "updated": self.updated,
                "inactive": self.inactive, "pages": self.pages, "roles": self.roles}


def iter_pages(engine: Engine, context: ContextInfo) -> Iterator[list[dict[str, Any]]]:
    """Each page of members, following ``rel="next"`` links."""
    if not context.memberships_url:
        raise ServiceError(_("Course '{title}' announced no roster service (NRPS); enable 'Share launcher's name' "
                             "and the roster service for the tool on the platform.").format(
            title=context.title or context.context_id))
    platform = get_platform(engine, context.platform_id)
    url: str | None = context.memberships_url
    limit = os.environ.get("MENTORFLOW_LTI_NRPS_LIMIT")
    params = {"limit": limit} if limit else None
    pages = 0
    while url and pages < MAX_PAGES:
        response = call(engine, platform, (C.SCOPE_NRPS,), "GET", url, params=params,
                        headers={"Accept": C.MEDIA_MEMBERSHIPS})
        if response.status_code != 200:
            raise ServiceError(_("The roster service answered {status}: {body}").format(
                status=response.status_code, body=response.text[:200]))
        try:
            body = response.json()
        except ValueError:
            raise ServiceError(_("The roster service did not answer with JSON.")) from None
        pages += 1
        yield [m for m in body.get("members", []) if isinstance(m, dict)]
        following = response.links.get("next", {}).get("url")
        url, params = (str(response.url.join(following)), None) if following else (None, None)


def sync_roster(engine: Engine, context_row: int,
                progress: Callable[[Iterator[dict[str, Any]], int], Iterator[dict[str, Any]]] | None = None
                ) -> RosterReport:
    """Import one linked course's roster into its programme; ``progress`` may wrap the member iterator."""
    context = get_context(engine, context_row)
    platform = get_platform(engine, context.platform_id)
    deployment = find_deployment(platform, context.deployment_id)
    role_map = deployment.role_map if deployment else {}
    settings = programme_lti_settings(engine, context.programme_key)
    learner_role, person_roles = settings["learner_role"], settings["person_roles"]
    report = RosterReport(context.id)
    everyone: list[dict[str, Any]] = []
    for page in iter_pages(engine, context):
        report.pages += 1
        everyone.extend(page)
    members: Iterator[dict[str, Any]] = iter(everyone)
    if progress is not None:
        members = progress(members, len(everyone))
    for member in members:
        sub = str(member.get("user_id") or "")
        if not sub:
            continue
        status = str(member.get("status") or "Active")
        roles = [str(r) for r in member.get("roles") or []]
        person_id, created = upsert_person(engine, platform.issuer, sub, member)
        report.members += 1
        report.created += created
        report.updated += not created
        with engine.write() as conn:
            record_member(conn, context.id, person_id, roles, status, engine.clock.now())
        if status != "Active":
            report.inactive += 1
            continue
        wanted = targets(roles, role_map, person_roles)
        grant(engine, context.programme_key, person_id, wanted, learner_role)
        for role in wanted:
            report.roles[role] = report.roles.get(role, 0) + 1
    mark_synced(engine, context.id)
    return report


def sync_all_rosters(database_url: str | None = None, programme: str | None = None) -> list[dict[str, Any]]:
    """Celery-friendly: sync every linked course with a roster service (JSON in, JSON out, own engine)."""
    from mentorflow.engine import Engine

    engine = Engine(database_url)
    try:
        programme_id = engine.programme_id(programme) if programme else None
        return [sync_roster(engine, c.id).as_dict() for c in contexts_of(engine, programme_id=programme_id)
                if c.memberships_url]
    finally:
        engine.db.dispose()
