"""From LTI roles to programme roles, through the deployment's role map and the programme's settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .claims import short_role

if TYPE_CHECKING:
    from mentorflow.engine import Engine


def targets(lti_roles: list[str], role_map: dict[str, str]) -> set[str]:
    """The mentorflow roles (coordinator, mentor, mentee, participant) the LTI roles map to."""
    found = {role_map.get(short_role(r), "none") for r in lti_roles}
    return found - {"none"}


def grant(engine: Engine, programme_key: str, person_id: int, wanted: set[str], learner_role: str) -> bool:
    """Grant the mapped roles; returns True when the person must still choose mentor or mentee.

    A ``participant`` keeps the mentor or mentee role the programme already gave them (a cohort
    import, a coordinator, a roster sync); otherwise the programme's ``learner_role`` decides.
    """
    for role in wanted & {"coordinator", "mentor", "mentee"}:
        engine.grant_role(programme_key, person_id, role)
    if "participant" not in wanted or wanted & {"mentor", "mentee"}:
        return False
    if engine.programme_roles(programme_key, person_id) & {"mentor", "mentee"}:
        return False
    if learner_role in ("mentor", "mentee"):
        engine.grant_role(programme_key, person_id, learner_role)
        return False
    return True
