"""The figures kept incrementally, transition by transition, equal the figures rebuilt from scratch.

Hypothesis fires random transitions of the shipped lifecycle (agreements, goals, reflections with
health scores, goal statuses, pauses, closure forms with ratings, closing) on a few relationships,
moving the clock between them, on SQLite and PostgreSQL; then the summary rows are compared with a
rebuild (``mentorflow figures rebuild``) at the same moment. Each example runs in a programme of its
own, so the examples share one database.
"""

from __future__ import annotations

import itertools
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mentorflow import SYSTEM, Engine, UserError
from mentorflow.demo import AGREEMENT
from mentorflow.plugins.figures.store import compute, rebuild
from mentorflow.plugins.goals.api import list_goals
from mentorflow.testing import Factory, default_workflow

RATINGS = ("fully", "partly", "not")
ACTIONS = ("propose", "sign_mentor", "sign_mentee", "agree", "add_goal", "agree_goal", "start_reflecting",
           "reflect_mentor", "reflect_mentee", "goal_achieved", "goal_dropped", "pause", "resume", "begin_closure",
           "form_mentor", "form_mentee", "close")
PATH = ("propose", "sign_mentor", "sign_mentee", "agree", "add_goal", "agree_goal", "start_reflecting",
        "reflect_mentee", "reflect_mentor", "add_goal", "reflect_mentee", "begin_closure", "form_mentor",
        "form_mentee", "close")
"""The happy path; ``"next"`` takes a relationship one step along it, so random runs reach every stage."""
_programmes = itertools.count()


def step(engine: Engine, rel: Any, action: str, value: int) -> bool:
    """Fire one action on ``rel`` if the workflow allows it now (a refusal writes nothing and is skipped)."""
    rel = engine.get(rel.id)
    goals = [g for g in list_goals(engine, rel, SYSTEM).goals if g.status != "dropped"]
    goal = goals[value % len(goals)].id if goals else None
    unconfirmed = [g.id for g in goals if g.agreed_at is None]
    form = {"goals": [{"goal_id": g.id, "attained": RATINGS[(value + i) % 3]} for i, g in enumerate(goals)],
            "learned": "Listening", "satisfaction": 1 + value % 5}
    plan: dict[str, tuple[str, int | None, dict[str, Any]]] = {
        "propose": ("propose_agreement", rel.mentor_id, AGREEMENT),
        "sign_mentor": ("sign_agreement", rel.mentor_id, {"accept": True}),
        "sign_mentee": ("sign_agreement", rel.mentee_id, {"accept": True}),
        "agree": ("agree", rel.mentee_id, {}),
        "add_goal": ("add_goal", rel.mentee_id, {"title": f"Goal {value}", "category": "skills"}),
        "agree_goal": ("agree_goal", rel.mentor_id, {"goal_id": unconfirmed[-1] if unconfirmed else goal}),
        "start_reflecting": ("start_reflecting", rel.mentor_id, {}),
        "reflect_mentor": ("submit_reflection", rel.mentor_id, {"went_well": "Fine", "health": 1 + value % 5}),
        "reflect_mentee": ("submit_reflection", rel.mentee_id, {"went_well": "Good", "health": 1 + value % 5}),
        "goal_achieved": ("set_goal_status", rel.mentee_id, {"goal_id": goal, "status": "achieved", "note": "Yes"}),
        "goal_dropped": ("set_goal_status", rel.mentee_id, {"goal_id": goal, "status": "dropped", "note": "No"}),
        "pause": ("pause", rel.mentee_id, {}),
        "resume": ("resume", rel.mentee_id, {}),
        "begin_closure": ("begin_closure", rel.mentor_id, {}),
        "form_mentor": ("submit_closure_form", rel.mentor_id, form),
        "form_mentee": ("submit_closure_form", rel.mentee_id, form),
        "close": ("close", rel.mentor_id, {}),
    }
    transition, actor, data = plan[action]
    try:
        engine.fire(rel.id, transition, actor, data)
    except UserError:
        return False
    return True


def recomputed_totals(engine: Engine, rels: list[Any]) -> dict[str, float]:
    """The programme's sums computed afresh from every relationship's own rows, without writing."""
    totals: dict[str, float] = {}
    with engine.read() as conn:
        for rel in rels:
            for name, value in compute(engine, conn, engine.get(rel.id))[0].items():
                totals[name] = totals.get(name, 0) + value
    return {name: value for name, value in totals.items() if value}


def kept_totals(engine: Engine, programme: str) -> dict[str, float]:
    """The sums kept incrementally (every week's count, not only the charted ones)."""
    import sqlalchemy as sa

    from mentorflow.plugins.figures.models import ProgrammeTotal

    T = ProgrammeTotal.__table__
    with engine.read() as conn:
        rows = conn.execute(sa.select(T.c.name, T.c.value).where(T.c.programme_id == engine.programme_id(programme)))
        return {name: value for name, value in rows if value}


def programme_figures(engine: Engine, programme: str) -> Any:
    return engine.pm.hook.mentorflow_programme_figures(engine=engine, programme=programme, actor=SYSTEM)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(("next",) * 3 * len(ACTIONS) + ACTIONS),
                                st.integers(0, 20), st.integers(0, 9)), min_size=5, max_size=90))
@example(steps=[(i, "next", n, 4 + i) for n in range(len(PATH)) for i in range(3)])  # every stage, surely
def test_incremental_figures_equal_rebuilt_figures(mentorflow_engine: Engine, mentorflow_clock: Any,
                                                   steps: list[tuple[int, str, int, int]]) -> None:
    factory = Factory(mentorflow_engine)
    programme = factory.programme(f"random{next(_programmes)}", default_workflow())
    rels = [factory.relationship(programme) for _ in range(3)]
    along = [0, 0, 0]
    for index, action, value, days in steps:
        if action == "next":
            along[index] += step(mentorflow_engine, rels[index], PATH[along[index] % len(PATH)], value)
        else:
            step(mentorflow_engine, rels[index], action, value)
        assert kept_totals(mentorflow_engine, programme) == recomputed_totals(mentorflow_engine, rels), \
            f"after {action} on relationship {index}"
        mentorflow_clock.advance(days=days)
    incremental = programme_figures(mentorflow_engine, programme)
    with mentorflow_engine.write() as conn:
        rebuild(mentorflow_engine, conn, mentorflow_engine.programme_id(programme, conn))
    assert programme_figures(mentorflow_engine, programme) == incremental
    assert incremental.value("relationships") == 3


def test_the_rebuild_command_rebuilds_and_names_an_unknown_programme(mentorflow_engine: Engine,
                                                                     mentorflow_factory: Factory) -> None:
    from mentorflow.cli import cli

    programme = mentorflow_factory.programme("cli", default_workflow())
    for _ in range(2):
        mentorflow_factory.relationship(programme)
    url = mentorflow_engine.db.url.render_as_string(hide_password=False)
    done = CliRunner().invoke(cli, ["figures", "rebuild", "--database-url", url])
    assert done.exit_code == 0, done.output
    assert "Rebuilt the figures of 2 relationships." in done.output
    assert programme_figures(mentorflow_engine, programme).value("stage.contracting") == 2
    unknown = CliRunner().invoke(cli, ["figures", "rebuild", "--programme", "nope", "--database-url", url])
    assert unknown.exit_code == 2 and "Programme 'nope' does not exist." in unknown.output
