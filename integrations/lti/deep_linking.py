"""Deep linking: a teacher picks a programme in the platform's activity chooser; we answer with a signed
``LtiDeepLinkingResponse`` holding one ``ltiResourceLink`` whose custom parameter names the programme."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from mentorflow.i18n import _, localized

from . import claims as C
from . import states
from .errors import LaunchError
from .roles import targets
from .settings import lti_settings
from .signing import sign
from .validation import Launch

if TYPE_CHECKING:
    from mentorflow.engine import Engine


def start(engine: Engine, launch: Launch) -> str:
    """Check a deep-linking request and remember it; returns the state the chooser page posts back."""
    if "coordinator" not in targets(launch.roles, launch.deployment.role_map):
        raise LaunchError("not-allowed", _("Only teachers and administrators of the course may add a mentoring "
                                           "activity."), 403)
    settings = launch.claim(C.DL_SETTINGS)
    return_url = settings.get("deep_link_return_url")
    if not return_url:
        raise LaunchError("malformed-token", _("The deep-linking request has no return address."))
    accepted = settings.get("accept_types") or []
    if "ltiResourceLink" not in accepted:
        raise LaunchError("unsupported-content", _("The learning platform does not accept an LTI activity link "
                                                   "here."))
    context = launch.claim(C.CONTEXT)
    data = {"platform_id": launch.platform.id, "deployment_id": launch.deployment.deployment_id,
            "return_url": str(return_url), "data": settings.get("data"), "sub": launch.sub,
            "roles": launch.roles, "context_id": str(context.get("id") or ""),
            "context_title": context.get("title"), "claims": _person_claims(launch.claims),
            "ags": launch.claim(C.AGS), "nrps": launch.claim(C.NRPS),
            "locale": launch.claim(C.LAUNCH_PRESENTATION).get("locale")}
    return states.create(engine, "deep_link", states.DEEP_LINK_LIFETIME, platform_id=launch.platform.id, data=data)


def _person_claims(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: claims[k] for k in ("name", "given_name", "family_name", "email") if k in claims}


def response_jwt(engine: Engine, *, client_id: str, issuer: str, deployment_id: str, data: Any,
                 programme_key: str, launch_url: str) -> str:
    """The signed ``LtiDeepLinkingResponse`` for a chosen programme."""
    _version, workflow = engine.current_workflow(programme_key)
    settings = lti_settings(workflow)
    item: dict[str, Any] = {"type": "ltiResourceLink", "title": workflow.name(),
                            "text": localized(workflow.programme.get("description")) or workflow.name(),
                            "url": launch_url, "custom": {"programme": programme_key}}
    if settings["grade"] != "none":
        label = localized(settings["line_item_label"]) if settings["line_item_label"] else workflow.name()
        item["lineItem"] = {"scoreMaximum": settings["score_maximum"], "label": label,
                            "resourceId": f"mentorflow:{programme_key}", "tag": "mentorflow"}
    claims: dict[str, Any] = {
        "iss": client_id, "aud": [issuer], "azp": client_id, "nonce": secrets.token_urlsafe(16),
        C.MESSAGE_TYPE: C.DEEP_LINKING_RESPONSE, C.VERSION: "1.3.0", C.DEPLOYMENT_ID: deployment_id,
        C.DL_CONTENT_ITEMS: [item],
    }
    if data is not None:
        claims[C.DL_DATA] = data
    return sign(engine, claims)
