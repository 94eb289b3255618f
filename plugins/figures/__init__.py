"""Programme figures kept in summary rows, so the dashboard costs the same at 1k and at 1M relationships.

After every transition (``mentorflow_apply_transition``, in its transaction) and when a relationship
starts, the plugin asks every plugin for that relationship's figures
(``mentorflow_relationship_figures``), stores the answer and adds the difference to the
programme's sums. The dashboard asks ``mentorflow_programme_figures``, answered here from those
rows. ``mentorflow figures rebuild`` recomputes them all. The definitions are in ``docs/figures.md``;
the combining ones (goal attainment) in :mod:`.definitions`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mentorflow import TransitionEvent, hookimpl

from . import models as models  # the tables join Base.metadata when the plugin loads

if TYPE_CHECKING:
    import click
    from sqlalchemy.engine import Connection

    from mentorflow import Engine, RelationshipSnapshot, Workflow
    from mentorflow.figures import ProgrammeFigures


@hookimpl(trylast=True)
def mentorflow_migration_locations() -> Iterable[str]:
    return ["mentorflow.plugins.figures:migrations"]


@hookimpl(trylast=True)
def mentorflow_apply_transition(event: TransitionEvent, connection: Connection, engine: Engine) -> None:
    from .store import refresh

    assert event.after is not None
    refresh(engine, connection, event.after)


@hookimpl(trylast=True)
def mentorflow_relationship_started(relationship: RelationshipSnapshot, workflow: Workflow, connection: Connection,
                                    engine: Engine) -> None:
    from .store import refresh

    refresh(engine, connection, relationship)


@hookimpl(trylast=True)
def mentorflow_programme_figures(engine: Engine, programme: str, actor: Any) -> ProgrammeFigures:
    from mentorflow.i18n import _
    from mentorflow.policy import coordinator_for

    from .store import programme_figures

    with engine.read() as conn:
        programme_id = engine.programme_id(programme, conn)
        coordinator_for(conn, actor, programme_id,
                        refusal=_("Only a coordinator of the programme may see its figures."))
        return programme_figures(engine, conn, programme_id, engine.clock.now())


@hookimpl(trylast=True)
def mentorflow_register_commands(cli: click.Group) -> None:
    from .cli import figures_command

    cli.add_command(figures_command)


@hookimpl(trylast=True)
def mentorflow_page_panels(engine: Any, page: Any) -> Iterable[Any]:
    from .panels import page_panels

    return page_panels(engine, page)
