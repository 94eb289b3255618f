"""Assignment and Grade Services: relationship progress or completion in the course gradebook.

The programme chooses with ``settings.lti.grade``:

``completion``
    when a relationship reaches a terminal state, its graded participants get the full score
    (``Completed``/``FullyGraded``);
``progress``
    after every change of state, the share of the lifecycle's stages reached
    (``InProgress``/``Pending``; full and ``FullyGraded`` once closed).

Scores go to one line item per linked course and programme: the one the
platform created through deep linking (the launch's ``lineitem`` claim), or
one found by ``resourceId``/``tag``, or one created here. Each publication
is remembered in ``mf_lti_scores``; failures stay ``failed`` for
``mentorflow lti grades --retry``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import insert, select, update

from mentorflow.i18n import _, localized
from mentorflow.snapshots import RelationshipSnapshot

from . import claims as C
from .contexts import ContextInfo, contexts_of, members, set_lineitem
from .errors import ServiceError
from .models import Score
from .people import identity_source
from .platforms import PlatformInfo, get_platform
from .services import call
from .settings import lti_settings

if TYPE_CHECKING:
    from mentorflow.engine import Engine
    from mentorflow.workflow.model import Workflow

log = logging.getLogger("mentorflow.lti")
S = Score.__table__
SCOPES = (C.SCOPE_LINEITEM, C.SCOPE_SCORE)


@dataclass(frozen=True)
class Grade:
    score_given: float
    score_maximum: float
    activity_progress: str
    grading_progress: str


def grade_for(workflow: Workflow, state: str, settings: dict[str, Any]) -> Grade | None:
    """The grade a relationship in ``state`` earns under the programme's setting (None: publish nothing)."""
    maximum = float(settings["score_maximum"])
    terminal = workflow.states[state].is_terminal
    if settings["grade"] == "completion":
        return Grade(maximum, maximum, "Completed", "FullyGraded") if terminal else None
    if settings["grade"] != "progress":
        return None
    if terminal:
        return Grade(maximum, maximum, "Completed", "FullyGraded")
    stages = [s.id for s in workflow.states.values() if s.kind in ("initial", "active")]
    if state not in stages:  # paused: the last published progress stands
        return None
    return Grade(round(maximum * stages.index(state) / len(stages), 2), maximum, "InProgress", "Pending")


def scores_url(lineitem: str) -> str:
    """``.../lineitem?type_id=1`` → ``.../lineitem/scores?type_id=1`` (the query stays at the end)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def ensure_line_item(engine: Engine, platform: PlatformInfo, context: ContextInfo, workflow: Workflow,
                     settings: dict[str, Any]) -> str:
    """The gradebook column for this course and programme: remembered, found by resourceId, or created."""
    if context.lineitem_url:
        return context.lineitem_url
    if not context.lineitems_url:
        raise ServiceError(_("Course '{title}' announced no gradebook service (AGS).").format(
            title=context.title or context.context_id))
    resource_id = f"mentorflow:{context.programme_key}"
    response = call(engine, platform, SCOPES, "GET", context.lineitems_url,
                    params={"resource_id": resource_id, "tag": "mentorflow"}, headers={"Accept": C.MEDIA_LINEITEMS})
    if response.status_code == 200:
        items = response.json()
        found = next((i for i in items if isinstance(i, dict) and i.get("resourceId") == resource_id), None)
        if found and found.get("id"):
            set_lineitem(engine, context.id, str(found["id"]))
            return str(found["id"])
    label = localized(settings["line_item_label"]) if settings["line_item_label"] else workflow.name()
    body = {"scoreMaximum": settings["score_maximum"], "label": label, "resourceId": resource_id,
            "tag": "mentorflow"}
    response = call(engine, platform, SCOPES, "POST", context.lineitems_url, json=body,
                    headers={"Content-Type": C.MEDIA_LINEITEM, "Accept": C.MEDIA_LINEITEM})
    if response.status_code not in (200, 201) or not response.json().get("id"):
        raise ServiceError(_("Creating the gradebook column failed: {status} {body}").format(
            status=response.status_code, body=response.text[:200]))
    url = str(response.json()["id"])
    set_lineitem(engine, context.id, url)
    return url


def post_score(engine: Engine, platform: PlatformInfo, lineitem: str, user_id: str, grade: Grade,
               comment: str | None = None) -> None:
    """POST one score (``application/vnd.ims.lis.v1.score+json``)."""
    timestamp = engine.clock.now().astimezone(UTC).isoformat(timespec="milliseconds")
    body: dict[str, Any] = {"userId": user_id, "scoreGiven": grade.score_given, "scoreMaximum": grade.score_maximum,
                            "activityProgress": grade.activity_progress, "gradingProgress": grade.grading_progress,
                            "timestamp": timestamp}
    if comment:
        body["comment"] = comment
    response = call(engine, platform, SCOPES, "POST", scores_url(lineitem), json=body,
                    headers={"Content-Type": C.MEDIA_SCORE})
    if response.status_code not in (200, 201, 202, 204):
        raise ServiceError(_("The gradebook refused the score: {status} {body}").format(
            status=response.status_code, body=response.text[:200]))


def publish_relationship(engine: Engine, relationship: RelationshipSnapshot) -> int:
    """Publish a relationship's grade to every course linked to its programme; returns the scores sent."""
    workflow = engine.workflow_by_version(relationship.workflow_version_id)
    settings = lti_settings(workflow)
    grade = grade_for(workflow, relationship.state, settings)
    if grade is None:
        return 0
    graded = {"mentee": relationship.mentee_id, "mentor": relationship.mentor_id}
    people = {graded[r] for r in settings["grade_roles"] if graded.get(r) is not None}
    sent = 0
    for context in contexts_of(engine, programme_id=relationship.programme_id):
        if not (context.lineitem_url or context.lineitems_url):
            continue
        in_course = members(engine, context.id)
        for person_id in people & set(in_course):
            sent += _publish_one(engine, context, workflow, settings, relationship.id, person_id, grade)
    return sent


def _publish_one(engine: Engine, context: ContextInfo, workflow: Workflow, settings: dict[str, Any],
                 relationship_id: int, person_id: int, grade: Grade) -> int:
    platform = get_platform(engine, context.platform_id)
    from mentorflow.db.models import ExternalIdentity

    X = ExternalIdentity.__table__
    with engine.read() as conn:
        sub = conn.execute(select(X.c.external_id).where(X.c.person_id == person_id,
                                                         X.c.source == identity_source(platform.issuer))).scalar()
    if sub is None:
        return 0
    error: str | None = None
    try:
        lineitem = ensure_line_item(engine, platform, context, workflow, settings)
        post_score(engine, platform, lineitem, sub, grade)
    except ServiceError as failure:
        error = failure.message
        log.warning("publishing a grade for relationship %s to %s failed: %s", relationship_id, platform.issuer,
                    error)
    _remember(engine, relationship_id, context.id, person_id, grade, error)
    return 0 if error else 1


def _remember(engine: Engine, relationship_id: int, context_row: int, person_id: int, grade: Grade,
              error: str | None) -> None:
    values = {"score_given": grade.score_given, "score_maximum": grade.score_maximum,
              "activity_progress": grade.activity_progress, "grading_progress": grade.grading_progress,
              "status": "failed" if error else "sent", "last_error": error, "updated_at": engine.clock.now()}
    where = (S.c.relationship_id == relationship_id, S.c.lti_context_id == context_row, S.c.person_id == person_id)
    with engine.write() as conn:
        row = conn.execute(select(S.c.id, S.c.attempts).where(*where)).first()
        if row is None:
            conn.execute(insert(S).values(relationship_id=relationship_id, lti_context_id=context_row,
                                          person_id=person_id, attempts=1, **values))
        else:
            conn.execute(update(S).where(S.c.id == row.id).values(attempts=row.attempts + 1, **values))


def scores(engine: Engine, status: str | None = None) -> list[dict[str, Any]]:
    query = select(S).order_by(S.c.id)
    if status:
        query = query.where(S.c.status == status)
    with engine.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def retry_failed(engine: Engine) -> int:
    """Publish again every relationship with a failed score; returns the scores now sent."""
    sent = 0
    for relationship_id in sorted({row["relationship_id"] for row in scores(engine, "failed")}):
        sent += publish_relationship(engine, engine.get(relationship_id))
    return sent
