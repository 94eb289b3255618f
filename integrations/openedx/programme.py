"""The block's programme: which workflow document it runs, validated, and published to the engine.

A block names a programme key, a template (built-in or from the server's
``EXTRA_TEMPLATES``) or an uploaded workflow document, and a cadence. The
document is published lazily on first use in the LMS (and again whenever it
changes; running relationships keep the version they started on).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from mentorflow import policy, tenancy
from mentorflow.engine import Engine
from mentorflow.errors import Problem, PublishForbidden, WorkflowInvalid
from mentorflow.i18n import _
from mentorflow.workflow.loader import canonical_digest, parse_document
from mentorflow.workflow.model import Workflow

from .config import Config

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
CADENCES = ("P7D", "P14D", "P21D", "P30D")
DEFAULT_PREFIX = "openedx-"
"""Keys of this form are courses' default keys (:func:`default_key`): a course creates only its own."""
WORKBENCH_COURSE = "workbench"
"""The course a block outside a course (the xblock-sdk workbench) counts as."""
UPLOADED = "uploaded"
"""The ``source`` name problems in an uploaded document are reported against."""


@dataclass(frozen=True)
class ProgrammeChoice:
    """What a block's settings say about its programme (none of it personal)."""

    key: str
    template: str = ""
    """A template name; empty for the server's default template."""
    workflow_json: str = ""
    """An uploaded workflow document (JSON text); when set it is used instead of the template."""
    cadence: str = ""
    """An ISO 8601 duration for the recurring check-ins (reflections); empty keeps the template's."""


def cadence_choices() -> list[tuple[str, str]]:
    """The cadences authors may choose, labelled in the current language."""
    return [("", _("As in the programme template")), ("P7D", _("Every week")), ("P14D", _("Every two weeks")),
            ("P21D", _("Every three weeks")), ("P30D", _("Every month"))]


def default_key(course: str | None) -> str:
    """A programme key for a course: its course key, lowercased, in the characters keys allow."""
    if not course:
        return "openedx-workbench"
    slug = re.sub(r"[^a-z0-9_.-]+", "-", f"openedx-{course}".lower()).strip("-")
    if len(slug) > 64:  # keys are at most 64 characters: keep them unique with a digest of the course key
        slug = f"{slug[:55]}-{hashlib.sha256(course.encode()).hexdigest()[:8]}"
    return slug


def key_problems(key: str) -> list[Problem]:
    if KEY_PATTERN.match(key):
        return []
    return [Problem("/programme_key", _("must be 1 to 64 lowercase letters, digits or _ . : - "
                                         "(starting with a letter or digit)"))]


def apply_cadence(document: dict[str, Any], cadence: str) -> dict[str, Any]:
    """A copy of ``document`` whose recurring timers (the regular check-ins) come every ``cadence``."""
    if not cadence:
        return document
    result = copy.deepcopy(document)
    for timer in result.get("timers") or ():
        if isinstance(timer, dict) and timer.get("kind") == "recurring":
            timer["every"] = cadence
    defaults = (((result.get("programme") or {}).get("settings") or {}).get("adjustments") or {}).get("defaults")
    if isinstance(defaults, dict) and "cadence" in defaults:
        defaults["cadence"] = cadence
    return result


def build_document(choice: ProgrammeChoice, config: Config) -> dict[str, Any]:
    """The workflow document the block runs (not yet validated); WorkflowInvalid for JSON that does not parse."""
    if choice.workflow_json.strip():
        document = parse_document(choice.workflow_json, UPLOADED)
    else:
        document = config.template_document(choice.template or config.default_template)
    if choice.cadence and choice.cadence not in CADENCES:
        raise WorkflowInvalid(_("The settings are not valid."), [
            Problem("/cadence", _("must be one of {choices}").format(choices=", ".join(CADENCES)))])
    return apply_cadence(document, choice.cadence)


def validate(engine: Engine, choice: ProgrammeChoice, config: Config) -> Workflow:
    """The compiled workflow, or WorkflowInvalid listing every problem with its JSON pointer."""
    problems = key_problems(choice.key)
    if problems:
        raise WorkflowInvalid(_("The settings are not valid."), problems)
    return engine.load_workflow(build_document(choice, config), UPLOADED if choice.workflow_json.strip() else "")


class _Published:
    """What this process last published on one engine."""

    def __init__(self) -> None:
        self.digests: dict[str, str] = {}
        """Programme key -> digest of the document last published."""
        self.settled: dict[tuple[Any, ...], int] = {}
        """What a document was built from -> the programme id it is published under."""


# Weak keys: an engine that is gone (tests make many) takes its memory with it, and a new
# engine that happens to reuse an old one's id() never inherits it.
_PUBLISHED: weakref.WeakKeyDictionary[Engine, _Published] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _source_key(choice: ProgrammeChoice, config: Config) -> tuple[Any, ...]:
    """What the block's document is built from; a server template file counts with its size and mtime."""
    template = choice.template or config.default_template
    stamp: tuple[int, int] | None = None
    if not choice.workflow_json.strip() and template in config.extra_templates:
        try:
            info = os.stat(config.extra_templates[template])
            stamp = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None  # build_document reports the missing file
    return (choice, template, stamp)


def course_of(course: str | None) -> str:
    """The course id a block acts for (the workbench has none)."""
    return course or WORKBENCH_COURSE


def check_binding(engine: Engine, key: str, course: str | None) -> policy.Owner | None:
    """The programme's owner when a block of ``course`` may run programme ``key``; PublishForbidden otherwise.

    A block runs its own course's programmes, creates new ones (which its
    course then owns; a course default key only for its own course), and
    runs programmes an administrator shared with the course. Anything else
    (another course's programme, a web or LTI programme) is refused before
    anything is written, so nobody becomes its coordinator.
    """
    owner, shared = tenancy.standing(engine, key)
    mine = course_of(course)
    if owner is not None and owner.kind == policy.OwnerKind.OPENEDX and owner.ref is None \
            and key == default_key(course):
        tenancy.claim(engine, key, mine)  # a programme from before owners were kept: its own course claims it
        owner = policy.course_owner(mine)
    if owner is None and key.startswith(DEFAULT_PREFIX) and key != default_key(course):
        raise PublishForbidden(_("This block may not use programme '{key}':").format(key=key), [Problem(
            "/programme_key", _("keys starting with {prefix} belong to courses; use {default} or another key").format(
                prefix=DEFAULT_PREFIX, default=default_key(course)))])
    if not policy.may_bind(mine, owner, shared):
        raise PublishForbidden(_("This block may not use programme '{key}':").format(key=key), [Problem(
            "/programme_key", _("the programme belongs to another course or to the mentoring service; an "
                                "administrator can share it with this course"))])
    return owner


def publisher_for(choice: ProgrammeChoice, course: str | None) -> policy.Publisher:
    """The block as a publisher: its course; a server template's privacy settings count as the operator's."""
    return policy.Publisher(policy.course_owner(course_of(course)), sanctioned=not choice.workflow_json.strip())


def check_settings(engine: Engine, choice: ProgrammeChoice, workflow: Workflow, course: str | None) -> None:
    """What Studio checks before saving a block's settings: the binding, and that publishing would be allowed.

    PublishForbidden (nothing saved) for a programme the course may not run,
    or an uploaded workflow whose privacy settings need an administrator.
    """
    owner = check_binding(engine, choice.key, course)
    if not policy.may_publish_from_block(course_of(course), owner):
        return  # a shared programme: the block's document is never published over it
    current = engine.current_workflow(choice.key)[1].document if owner is not None else None
    problems = policy.publish_problems(publisher_for(choice, course), owner, current, workflow.document)
    if problems:
        raise PublishForbidden(_("This block may not publish its workflow to programme '{key}':").format(
            key=choice.key), problems)


def ensure_published(engine: Engine, choice: ProgrammeChoice, config: Config, course: str | None) -> int:
    """Publish the block's document as its programme's newest version when it changed; the programme id.

    The binding is checked on every call (:func:`check_binding`), so a share
    an administrator revokes ends at the next view. A programme shared with
    the course runs as its owner publishes it: the block's own document is
    never published over it. What this process last published is remembered
    twice: by what the document is built from (settings, template file and
    course), so a page view neither reads, digests nor validates it; and by
    the document's digest, so a change that builds the same document
    publishes nothing.
    """
    owner = check_binding(engine, choice.key, course)
    if not policy.may_publish_from_block(course_of(course), owner):
        return engine.programme_id(choice.key)
    source = (_source_key(choice, config), course_of(course))
    with _LOCK:
        memory = _PUBLISHED.setdefault(engine, _Published())
        known = memory.settled.get(source)
    if known is not None:
        return known
    document = build_document(choice, config)
    digest = canonical_digest(document)
    if memory.digests.get(choice.key) == digest:
        programme_id = engine.programme_id(choice.key)
    else:
        programme_id = engine.publish_workflow(choice.key, document,
                                               UPLOADED if choice.workflow_json.strip() else "",
                                               publisher=publisher_for(choice, course)).programme_id
    with _LOCK:
        memory.digests[choice.key] = digest
        memory.settled[source] = programme_id
    return programme_id
