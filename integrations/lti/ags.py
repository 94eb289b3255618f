"""Assignment and Grade Services: relationship progress or completion in the course gradebook.

The programme chooses with ``settings.lti.grade``:

``completion``
    when a relationship reaches a terminal state, its graded participants get the full score
    (``Completed``/``FullyGraded``);
``progress``
    after every change of state, the share of the lifecycle's stages reached, as the current grade
    (``InProgress``/``FullyGraded``: Moodle stores no score and Open edX passes none on unless
    ``gradingProgress`` is ``FullyGraded``); the full score and ``Completed`` once closed.

Scores go to one line item per linked course and programme: the one the
platform created through deep linking (the launch's ``lineitem`` claim), or
one found by ``resourceId``/``tag``, or one created here with the launch's
``resourceLinkId`` (Open edX counts a score for the course grade only on a
line item of its own block).

``mf_lti_scores`` is the grades' outbox. A transition owes the grade in its
own transaction (:func:`owe_grades`, one row per relationship, course and
person, so a later grade replaces one not sent yet); the worker sends it
(:func:`deliver_grades`: claim with a lease, POST, read the result back
where the platform lets us, mark ``sent``). A refusal is retried with
backoff and ends ``failed`` (visible in ``mentorflow lti grades``) after
:data:`MAX_ATTEMPTS`; Moodle's ``409`` for a timestamp not later, to the
second, than the last one is retried once that second has passed.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select, update

from mentorflow.clock import as_utc
from mentorflow.i18n import _, localized
from mentorflow.outbox import MAX_ATTEMPTS, DeliveryReport, backoff, claim, ready

from . import claims as C
from .contexts import ContextInfo, get_context, set_lineitem
from .errors import ServiceError
from .grading import Grade, grade_for, owe_grades  # noqa: F401 (owe_grades: part of this module's API)
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
AGS_SCOPES = (C.SCOPE_LINEITEM, C.SCOPE_LINEITEM_READONLY, C.SCOPE_RESULT_READONLY, C.SCOPE_SCORE)
LEGACY_SCOPES = (C.SCOPE_LINEITEM, C.SCOPE_SCORE)
"""Asked for when a course was linked before its launch's offered scopes were remembered."""


class ScoreRefused(ServiceError):
    """The gradebook answered a score with an error status (kept for the retry decision)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status_code = status


def scores_url(lineitem: str, leaf: str = "scores") -> str:
    """``.../lineitem?type_id=1`` → ``.../lineitem/scores?type_id=1`` (the query stays at the end)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + leaf))


def ags_scopes(context: ContextInfo) -> tuple[str, ...]:
    """The AGS scopes to ask the token endpoint for: only those the course's launch offered."""
    if not context.scopes:
        return LEGACY_SCOPES
    return tuple(s for s in AGS_SCOPES if s in context.scopes)


def ensure_line_item(engine: Engine, platform: PlatformInfo, context: ContextInfo, workflow: Workflow,
                     settings: dict[str, Any]) -> str:
    """The gradebook column for this course and programme: remembered, found by resourceId, or created."""
    if context.lineitem_url:
        return context.lineitem_url
    if not context.lineitems_url:
        raise ServiceError(_("Course '{title}' announced no gradebook service (AGS).").format(
            title=context.title or context.context_id))
    scopes = ags_scopes(context)
    resource_id = f"mentorflow:{context.programme_key}"
    if {C.SCOPE_LINEITEM, C.SCOPE_LINEITEM_READONLY} & set(scopes):
        response = call(engine, platform, scopes, "GET", context.lineitems_url,
                        params={"resource_id": resource_id, "tag": "mentorflow"},
                        headers={"Accept": C.MEDIA_LINEITEMS})
        if response.status_code == 200:
            items = response.json()
            found = next((i for i in items if isinstance(i, dict) and i.get("resourceId") == resource_id
                          and _same_link(i, context)), None)
            if found and found.get("id"):
                set_lineitem(engine, context.id, str(found["id"]))
                return str(found["id"])
    if C.SCOPE_LINEITEM not in scopes:
        raise ServiceError(_("Course '{title}' does not let mentorflow create a gradebook column (no lineitem "
                             "scope): add the activity through deep linking, or allow the tool to manage "
                             "grade columns.").format(title=context.title or context.context_id))
    label = localized(settings["line_item_label"]) if settings["line_item_label"] else workflow.name()
    body: dict[str, Any] = {"scoreMaximum": settings["score_maximum"], "label": label, "resourceId": resource_id,
                            "tag": "mentorflow"}
    if context.resource_link_id:
        body["resourceLinkId"] = context.resource_link_id
    response = call(engine, platform, scopes, "POST", context.lineitems_url, json=body,
                    headers={"Content-Type": C.MEDIA_LINEITEM, "Accept": C.MEDIA_LINEITEM})
    if response.status_code not in (200, 201) or not response.json().get("id"):
        raise ServiceError(_("Creating the gradebook column failed: {status} {body}").format(
            status=response.status_code, body=response.text[:200]))
    url = str(response.json()["id"])
    set_lineitem(engine, context.id, url)
    return url


def _same_link(item: dict[str, Any], context: ContextInfo) -> bool:
    """A found line item serves this course's link when it names no other resource link."""
    return not item.get("resourceLinkId") or not context.resource_link_id or \
        str(item["resourceLinkId"]) == context.resource_link_id


def post_score(engine: Engine, platform: PlatformInfo, context: ContextInfo, lineitem: str, user_id: str,
               grade: Grade, timestamp: datetime, comment: str | None = None) -> None:
    """POST one score (``application/vnd.ims.lis.v1.score+json``); :class:`ScoreRefused` when refused."""
    body: dict[str, Any] = {"userId": user_id, "scoreGiven": grade.score_given, "scoreMaximum": grade.score_maximum,
                            "activityProgress": grade.activity_progress, "gradingProgress": grade.grading_progress,
                            "timestamp": timestamp.astimezone(UTC).isoformat(timespec="milliseconds")}
    if comment:
        body["comment"] = comment
    response = call(engine, platform, ags_scopes(context), "POST", scores_url(lineitem), json=body,
                    headers={"Content-Type": C.MEDIA_SCORE})
    if response.status_code not in (200, 201, 202, 204):
        raise ScoreRefused(_("The gradebook refused the score: {status} {body}").format(
            status=response.status_code, body=response.text[:200]), response.status_code)


def verify_result(engine: Engine, platform: PlatformInfo, context: ContextInfo, lineitem: str, user_id: str,
                  grade: Grade) -> bool:
    """Read the result back (``result.readonly``) and check the gradebook holds the score; False: cannot check.

    Raises :class:`ServiceError` when the platform accepted the score but shows another one (or none).
    """
    if C.SCOPE_RESULT_READONLY not in ags_scopes(context):
        return False
    response = call(engine, platform, ags_scopes(context), "GET", scores_url(lineitem, "results"),
                    params={"user_id": user_id}, headers={"Accept": C.MEDIA_RESULTS})
    if response.status_code != 200:
        return False  # the platform offers no way to read it back: the POST's answer is all we know
    try:
        results = response.json()
    except ValueError:
        return False
    mine = [r for r in results if isinstance(r, dict) and str(r.get("userId")) == user_id] \
        if isinstance(results, list) else []
    shown = mine[-1].get("resultScore") if mine else None
    maximum = (mine[-1].get("resultMaximum") if mine else None) or grade.score_maximum
    wanted = grade.score_given / grade.score_maximum
    if not isinstance(shown, int | float) or not math.isclose(shown / float(maximum), wanted, abs_tol=1e-4):
        raise ServiceError(_("The gradebook accepted the score {score:g} but shows {shown} for it.").format(
            score=grade.score_given, shown="-" if shown is None else shown))
    return True


def _next_second(moment: datetime) -> datetime:
    """The start of the second after ``moment``: the earliest timestamp Moodle takes after one in ``moment``."""
    return moment.replace(microsecond=0) + timedelta(seconds=1)


def deliver_grades(engine: Engine, now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send up to ``limit`` owed grades (the worker's job; ``mentorflow lti grades --deliver`` by hand)."""
    now = now or engine.clock.now()
    report = DeliveryReport()
    with engine.read() as conn:
        ids = list(conn.execute(select(S.c.id).where(ready(S, now)).order_by(S.c.id).limit(limit)).scalars())
    for score_id in ids:
        if not claim(engine, S, score_id, now):
            continue
        with engine.read() as conn:
            row = conn.execute(select(S).where(S.c.id == score_id)).one()
        grade = Grade(row.score_given, row.score_maximum, row.activity_progress, row.grading_progress)
        timestamp = max(now, as_utc(row.sent_timestamp) + timedelta(microseconds=1)) if row.sent_timestamp \
            else now
        try:
            _send(engine, row, grade, timestamp)
        except ServiceError as failure:
            conflict = isinstance(failure, ScoreRefused) and failure.status_code == 409
            final = row.attempts >= MAX_ATTEMPTS
            # A 409 (Moodle: a timestamp not later, to the second, than the last score) is retried with a later
            # timestamp as soon as that second has passed; other refusals wait longer each time.
            retry_at = _next_second(timestamp) if conflict else now + backoff(row.attempts)
            with engine.write() as conn:
                conn.execute(update(S).where(S.c.id == score_id, S.c.status == "sending").values(
                    status="failed" if final else "pending", claimed_until=None, next_attempt_at=retry_at,
                    last_error=failure.message[:2000], updated_at=now))
            if final:
                report.failed += 1
                log.error("grade %s for relationship %s failed for good after %s attempts: %s", score_id,
                          row.relationship_id, row.attempts, failure.message)
            else:
                report.retried += 1
                log.warning("grade %s for relationship %s failed (attempt %s), will retry at %s: %s", score_id,
                            row.relationship_id, row.attempts, retry_at.isoformat(), failure.message)
            report.errors.append(failure.message)
            continue
        with engine.write() as conn:
            conn.execute(update(S).where(S.c.id == score_id).values(sent_timestamp=timestamp))
            # A newer grade owed meanwhile (status back to pending) stays owed.
            conn.execute(update(S).where(S.c.id == score_id, S.c.status == "sending").values(
                status="sent", claimed_until=None, last_error=None, updated_at=now))
        report.sent += 1
    return report


def _send(engine: Engine, row: Any, grade: Grade, timestamp: datetime) -> None:
    context = get_context(engine, row.lti_context_id)
    platform = get_platform(engine, context.platform_id)
    from mentorflow.db.models import ExternalIdentity

    I = ExternalIdentity.__table__  # noqa: E741 (the table's initial, as everywhere here)
    with engine.read() as conn:
        sub = conn.execute(select(I.c.external_id).where(I.c.person_id == row.person_id,
                                                         I.c.source == identity_source(platform.issuer))).scalar()
    if sub is None:
        raise ServiceError(_("Person {id} has no account on {issuer}.").format(id=row.person_id,
                                                                               issuer=platform.issuer))
    workflow = engine.workflow_by_version(engine.get(row.relationship_id).workflow_version_id)
    lineitem = ensure_line_item(engine, platform, context, workflow, lti_settings(workflow))
    post_score(engine, platform, context, lineitem, sub, grade, timestamp)
    verify_result(engine, platform, context, lineitem, sub, grade)


def scores(engine: Engine, status: str | None = None) -> list[dict[str, Any]]:
    query = select(S).order_by(S.c.id)
    if status:
        query = query.where(S.c.status == status)
    with engine.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def retry_failed(engine: Engine) -> int:
    """Owe every failed grade again and deliver what is owed; returns the grades now sent."""
    now = engine.clock.now()
    with engine.write() as conn:
        conn.execute(update(S).where(S.c.status == "failed").values(status="pending", attempts=0,
                                                                     next_attempt_at=now, updated_at=now))
    return deliver_grades(engine, now).sent
