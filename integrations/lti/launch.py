"""What a validated launch does: link the course to a programme, provision the person, grant roles, choose a page.

Everything that can refuse the launch (no programme, a programme the
deployment may not use, no mapped role) is decided before anything is
written, so a refused launch creates nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mentorflow import policy
from mentorflow.errors import NotFound
from mentorflow.i18n import _
from mentorflow.tenancy import owner_of

from . import claims as C
from .contexts import contexts_of, link_context, record_member
from .errors import LaunchError
from .people import upsert_person
from .roles import grant, targets
from .settings import programme_lti_settings
from .validation import Launch

if TYPE_CHECKING:
    from mentorflow.engine import Engine

log = logging.getLogger("mentorflow.lti")


@dataclass(frozen=True)
class Outcome:
    """Where the launched person goes: their id, locale, and the page (``coordinator``, ``participant``,
    ``signup``)."""

    person_id: int
    programme: str
    page: str
    locale: str | None
    context_row: int


def launch_locale(launch: Launch) -> str | None:
    locale = launch.claim(C.LAUNCH_PRESENTATION).get("locale")
    return str(locale) if locale else None


def resolve_programme(engine: Engine, launch: Launch) -> str:
    """The programme the launch is for: the ``programme`` custom parameter, else the course's only link."""
    custom = launch.claim(C.CUSTOM)
    key = str(custom.get("programme") or "").strip()
    context_id = str(launch.claim(C.CONTEXT).get("id") or "")
    if not key:
        linked = contexts_of(engine, platform_id=launch.platform.id, context_id=context_id) if context_id else []
        if len(linked) != 1:
            raise LaunchError("no-programme", _("This activity is not linked to a mentoring programme yet. Ask "
                                                "the teacher to add it again from the activity chooser, or to "
                                                "set the custom parameter programme=<key>."), 404)
        key = linked[0].programme_key
    try:
        engine.programme_id(key)
    except NotFound:
        raise LaunchError("unknown-programme", _("The activity names programme '{key}', which does not exist in "
                                                 "mentorflow.").format(key=key), 404) from None
    if not deployment_may_use(engine, launch.deployment, key):
        raise LaunchError("programme-not-allowed", _("This course's tool deployment may not use programme "
                                                     "'{key}'.").format(key=key), 403)
    return key


def deployment_may_use(engine: Engine, deployment: Any, key: str) -> bool:
    """Whether a deployment's launches and deep links may use (and make coordinators of) programme ``key``.

    The deployment's own list, and the tenancy policy: a programme an Open edX
    course owns only when an administrator named it in that list.
    """
    if not deployment.allows_programme(key):
        return False
    owner = owner_of(engine, key)
    listed = deployment.programmes is not None and key in deployment.programmes
    return owner is None or policy.may_coordinate_through_lti(owner, listed)


def handle_resource_link(engine: Engine, launch: Launch) -> Outcome:
    """Provision and route a person for an ``LtiResourceLinkRequest``."""
    key = resolve_programme(engine, launch)
    settings = programme_lti_settings(engine, key)
    wanted = targets(launch.roles, launch.deployment.role_map, settings["person_roles"])
    if not wanted:
        raise LaunchError("no-role", _("Your role in this course ({roles}) gives no access to the mentoring "
                                       "programme.").format(roles=", ".join(launch.roles) or "-"), 403)
    context_row = link_launch_context(engine, launch, key)
    person_id, created = upsert_person(engine, launch.platform.issuer, launch.sub, launch.claims,
                                       launch_locale(launch))
    with engine.write() as conn:
        record_member(conn, context_row, person_id, launch.roles, "Active", engine.clock.now())
    must_choose = grant(engine, key, person_id, wanted, settings["learner_role"])
    page = ("coordinator" if "coordinator" in wanted else "signup" if must_choose else "participant")
    log.info(json.dumps({"event": "lti_launch", "issuer": launch.platform.issuer,
                         "deployment": launch.deployment.deployment_id, "person": person_id, "created": created,
                         "programme": key, "page": page}))
    return Outcome(person_id, key, page, launch_locale(launch), context_row)


def link_launch_context(engine: Engine, launch: Launch, key: str) -> int:
    """Link the launch's course to programme ``key`` with the service endpoints it announced."""
    context = launch.claim(C.CONTEXT)
    nrps = launch.claim(C.NRPS)
    ags = launch.claim(C.AGS)
    scopes = ags.get("scope") if isinstance(ags.get("scope"), list) else None
    if nrps.get("context_memberships_url"):
        scopes = sorted({*(scopes or []), C.SCOPE_NRPS})
    context_id = str(context.get("id") or f"resource-link:{launch.claim(C.RESOURCE_LINK).get('id', '')}")
    info = link_context(engine, platform_id=launch.platform.id, deployment_id=launch.deployment.deployment_id,
                        context_id=context_id, programme_id=engine.programme_id(key),
                        title=_text(context.get("title") or context.get("label")),
                        memberships_url=_text(nrps.get("context_memberships_url")),
                        lineitems_url=_text(ags.get("lineitems")), lineitem_url=_text(ags.get("lineitem")),
                        scopes=scopes, resource_link_id=_text(launch.claim(C.RESOURCE_LINK).get("id")))
    return info.id


def _text(value: Any) -> str | None:
    return str(value) if value else None
