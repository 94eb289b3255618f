"""Contracting: the mentoring agreement, its versions and both sides' signatures.

Effects (name them on a transition's ``effects``):

``agreements.propose``
    stores the transition's form data (the programme's agreement terms:
    expectations of each side, meeting frequency and format,
    confidentiality, duration, how either side can end it) as the
    relationship's next agreement version.
``agreements.amend``
    the same once the relationship is under way; there must already be an
    agreement. Both sides sign the new version again.
``agreements.sign``
    records the actor's timestamped signature on the current version (the
    mentor or the mentee). Signing twice, or with nothing proposed, is a
    :class:`~mentorflow.TransitionError`; a ``version`` field in the form,
    when present, must name the current version.

Guards:

``agreements.signed`` (``{"roles": ["mentor", "mentee"]}``)
    every listed role has signed the current version; the reason names who
    is missing. Use it on the transition that leaves contracting.
``agreements.awaiting_signature``
    the actor has a current version left to sign (keeps "sign" from being
    offered when there is nothing to sign).

Signatures are never deleted; an amendment only makes a new version
current. Query functions are in :mod:`.api`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mentorflow import EffectSpec, GuardSpec, Problem, hookimpl
from mentorflow.gdpr import personal_data_hooks
from mentorflow.workflow.model import Workflow

from . import models as models  # the tables join Base.metadata when the plugin loads
from .checks import check_workflow
from .effects import amend, propose, sign
from .guards import awaiting_signature, signed


@hookimpl(trylast=True)
def mentorflow_register_effects() -> Iterable[EffectSpec]:
    return [propose, amend, sign]


@hookimpl(trylast=True)
def mentorflow_register_guards() -> Iterable[GuardSpec]:
    return [signed, awaiting_signature]


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.agreements:migrations"]


@hookimpl(trylast=True)
def mentorflow_check_workflow(workflow: Workflow, document: dict[str, Any]) -> Iterable[Problem]:
    return check_workflow(workflow, document)


# Personal data: declared in gdpr.py, wired to the export, erasure and retention hooks by the core.
_personal_data = personal_data_hooks(f"{__name__}.gdpr")
mentorflow_export_personal_data = _personal_data.export
mentorflow_erase_personal_data = _personal_data.erase
mentorflow_purge_relationship_content = _personal_data.purge


@hookimpl(trylast=True)
def mentorflow_web_blueprints(engine: Any) -> Iterable[Any]:
    from .web import blueprint

    return [blueprint(engine)]


@hookimpl(trylast=True)
def mentorflow_page_panels(engine: Any, page: Any) -> Iterable[Any]:
    from .panels import page_panels

    return page_panels(engine, page)


@hookimpl(trylast=True)
def mentorflow_relationship_figures(relationship: Any, workflow: Any, connection: Any, engine: Any) -> Any:
    from .figures import relationship_figures

    return relationship_figures(connection, relationship)


@hookimpl(trylast=True)
def mentorflow_nothing_to_act_on(engine: Any, step: Any) -> Any:
    from .next_step import nothing_to_act_on

    return nothing_to_act_on(step)


@hookimpl(trylast=True)
def mentorflow_next_step(engine: Any, step: Any) -> Any:
    from .next_step import hints

    return hints(step)
