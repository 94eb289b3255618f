"""Matching: profiles, weighted criteria, hard constraints, optimal assignment and coordinator review.

Programme settings, ``programme.settings.matching`` (see :mod:`.settings`)::

    {"mode": "coordinator-assigned" | "mentee-requests" | "automatic",
     "profile_schema": {...JSON Schema of a profile...},
     "criteria": [{"name": "skills_overlap", "weight": 3}, ...],
     "constraints": [{"name": "shared_language"}, ...],
     "request_expiry": "P14D", "allow_multiple": false}

Other plugins add criteria and constraints through the hooks in
:mod:`.hookspecs` (``mentorflow_match_scorers``, ``mentorflow_match_constraints``),
returning objects made with :func:`scorer` (vectorised), :func:`pair_scorer`
(one pair at a time, with an optional vectorised fast path) and
:func:`constraint`. The
functions to call are in :mod:`.api`; the command line has
``mentorflow match PROGRAMME`` and ``mentorflow match-cancel RUN``. Relationships are only ever created through
:meth:`Engine.start_relationship`, which audits them as ``start``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pluggy

from mentorflow import hookimpl
from mentorflow.gdpr import personal_data_hooks
from mentorflow.i18n import _, same_in_every_language

from . import models as models  # the tables join Base.metadata when the plugin loads
from . import registry

if TYPE_CHECKING:
    import click
    from sqlalchemy.engine import Connection

    from mentorflow.engine import Engine
    from mentorflow.snapshots import RelationshipSnapshot
    from mentorflow.workflow.model import Workflow

__all__ = ["ConstraintSpec", "ProfileTable", "ScorerSpec", "ScoringContext", "constraint", "pair_scorer", "scorer"]


def __getattr__(name: str) -> object:
    # The spec types need numpy (the optional ``matching`` extra): import them on first use only.
    if name in __all__:
        from . import specs

        return getattr(specs, name)
    raise AttributeError(name)


@hookimpl(trylast=True)
def mentorflow_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    registry.install(pluginmanager)


@hookimpl(trylast=True)
def mentorflow_startup(engine: Engine) -> None:
    # The hookspecs and the registry helper are installed by mentorflow_addhooks (replayed to every plugin
    # registered later); here only the start-up check, which patches nothing.
    if registry.AVAILABLE:
        # Every plugin is registered by now: report two plugins claiming one scorer name at start-up.
        registry.scorers(engine.pm)
        registry.constraints(engine.pm)


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.matching:migrations"]


@hookimpl(trylast=True)
def mentorflow_relationship_started(relationship: RelationshipSnapshot, workflow: Workflow,
                                    connection: Connection) -> None:
    if registry.AVAILABLE:
        from .starting import relationship_started

        relationship_started(relationship, workflow, connection)


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .cli import register

    register(cli, available=registry.AVAILABLE)


# Personal data: declared in gdpr.py, wired to the export, erasure and retention hooks by the core.
_personal_data = personal_data_hooks(f"{__name__}.gdpr")
mentorflow_export_personal_data = _personal_data.export
mentorflow_erase_personal_data = _personal_data.erase
mentorflow_purge_relationship_content = _personal_data.purge


@hookimpl(trylast=True)
def mentorflow_web_blueprints(engine: Any) -> Iterable[Any]:
    from .web import blueprints

    return blueprints(engine)


@hookimpl(trylast=True)
def mentorflow_page_panels(engine: Any, page: Any) -> Iterable[Any]:
    from .panels import page_panels

    return page_panels(engine, page)


@hookimpl(trylast=True)
def mentorflow_signup_profile(engine: Any, programme_id: int, workflow: Any) -> Any:
    """``settings.matching.profile_schema``, checked and stored as :func:`.profiles.set_profile` does."""
    from mentorflow.signup import SignupProfile
    from mentorflow.validation import schema_problems

    from .profiles import FORM, set_profile
    from .settings import profile_validator

    matching = ((workflow.programme.get("settings") or {}).get("matching")) or {}
    schema = matching.get("profile_schema")
    if not isinstance(schema, dict) or not schema.get("properties"):
        return None
    validator = profile_validator(schema)
    return SignupProfile(
        # The hook is asked per request, so the title is in the reader's language.
        form=FORM, schema=schema, title=same_in_every_language(_("Profile")),
        check=lambda profile: list(schema_problems(validator, profile)),
        store=lambda person, role, profile, actor: set_profile(engine, programme_id, person, role, profile, actor))
