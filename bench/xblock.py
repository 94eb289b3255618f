"""How fast the Open edX XBlock renders and handles a transition, against the web page doing the same.

Run from the repository root (needs the openedx extra)::

    python -m bench.xblock            # 200 renders and 100 transitions per repetition, median of 5
    python -m bench.xblock --quick    # 40 and 20, median of 3

Both sides run in this process on one SQLite database and one relationship
of the shipped default programme in 'reflecting', seen by its mentee: the
XBlock's ``student_view`` (built by xblock's TestRuntime with the user,
settings and i18n services edx-platform provides) against the participant page
``GET /relationships/<id>`` through Flask's test client, which renders the
same shared templates; and the XBlock's ``fire`` JSON handler against
``POST /api/v1/relationships/<id>/transitions/submit_reflection`` followed by
the page (the handler answers with the block re-rendered). The
ratios say what the XBlock's runtime, identity mapping and fragment
packaging add to the shared rendering; LMS page overhead is not included.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
REFLECTION = {"went_well": "We met and I prepared", "health": "4"}


def timed(actions: dict[str, Callable[[], object]], n: int, repeat: int) -> dict[str, float]:
    """Median milliseconds per call of each action over ``repeat`` runs of ``n`` rounds (after a warm-up run).

    The actions take turns within each round, so each sees the same database (a transition adds to the
    timeline every later render shows) and the same machine noise as the others.
    """
    runs: dict[str, list[float]] = {name: [] for name in actions}
    for index in range(repeat + 1):
        spent = dict.fromkeys(actions, 0.0)
        for _ in range(n):
            for name, action in actions.items():
                started = time.perf_counter()
                action()
                spent[name] += time.perf_counter() - started
        if index:  # the first run warms caches (workflow, templates, statements)
            for name in actions:
                runs[name].append(spent[name] * 1000 / n)
    return {name: statistics.median(values) for name, values in runs.items()}


def build(folder: Path) -> dict[str, Any]:
    """A course with one mentorflow block, a mentee and a mentor paired and driven to 'reflecting'."""
    sys.path.insert(0, str(ROOT))
    from mentorflow.engine import Engine
    from mentorflow.integrations.web.demo import AGREEMENT, SIGN
    from mentorflow.plugins.goals import api as goals
    from tests.openedx.conftest import Course as _Course
    from tests.openedx.conftest import I18n, Settings, Users, lms_user

    url = f"sqlite:///{folder / 'xblock.db'}"
    engine = Engine(url)
    engine.upgrade_database()
    settings = Settings({"MentorflowXBlock": {"DATABASE_URL": url, "SITE_NAME": "learn.example.edu",
                                              "DEFAULT_TEMPLATE": "default"}})
    course = _Course(url, Users(), settings, I18n())
    block = course.block(programme_key="bench", signup_roles="mentee,mentor")
    mia, morten = lms_user(1, "mia", full_name="Mia Larsen"), lms_user(2, "morten", full_name="Morten Holm")
    carla = lms_user(3, "carla", full_name="Carla Jensen", staff=True, role="staff")
    for user, role in ((mia, "mentee"), (morten, "mentor")):
        course.as_user(user)
        status, answer = course.call(block, "enrol", {"role": role, "profile": {"study_line": "Biology"}})
        assert status == 200, answer
    mentee = engine.find_person("openedx:learn.example.edu", "1")
    mentor = engine.find_person("openedx:learn.example.edu", "2")
    course.as_user(carla)
    status, answer = course.call(block, "pair", {"mentee": mentee, "mentor": mentor})
    assert status == 200, answer
    (rel,) = engine.relationships_of(mentee)
    for transition, actor, data in (("propose_agreement", mentor, AGREEMENT), ("sign_agreement", mentor, SIGN),
                                    ("sign_agreement", mentee, SIGN), ("agree", mentee, {}),
                                    ("add_goal", mentee, {"title": "Grow", "category": "skills"})):
        rel = engine.fire(rel, transition, actor, data).relationship
    goal = goals.list_goals(engine, rel, mentee).goals[-1].id
    for transition, actor, data in (("agree_goal", mentor, {"goal_id": goal}), ("start_reflecting", mentor, {})):
        rel = engine.fire(rel, transition, actor, data).relationship
    engine.db.dispose()
    course.as_user(mia)
    return {"url": url, "course": course, "block": block, "relationship": rel.id, "mentee": mentee}


def main(argv: list[str] | None = None, out: Any = sys.stdout) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, nargs=3, metavar=("RENDERS", "TRANSITIONS", "REPEAT"),
                        help="override the numbers of renders and transitions per repetition and of repetitions")
    args = parser.parse_args(argv)
    renders, fires, repeat = args.rounds or ((40, 20, 3) if args.quick else (200, 100, 5))
    try:
        import xblock  # noqa: F401
    except ImportError:
        print("XBlock benchmark skipped: install mentorflow[openedx]", file=out)
        return {}
    from flask.sessions import SecureCookieSessionInterface

    from mentorflow.integrations.openedx.config import forget_engines
    from mentorflow.integrations.web import create_app
    from mentorflow.integrations.web.sessions import cookie_data
    from mentorflow.integrations.web.settings import load_settings
    from mentorflow.tokens import create_token

    print(f"xblock benchmark · {platform.platform()} · {os.cpu_count()} CPUs · Python {platform.python_version()}"
          f" · {renders} renders and {fires} transitions per repetition, median of {repeat}", file=out)
    with tempfile.TemporaryDirectory() as tmp:
        world = build(Path(tmp))
        course, block, rid = world["course"], world["block"], world["relationship"]
        app = create_app(load_settings(database_url=world["url"], secret_key=SECRET, worker=False))
        signer = SecureCookieSessionInterface().get_signing_serializer(app)
        assert signer is not None
        client = app.test_client()
        client.set_cookie("session", signer.dumps(cookie_data(app.extensions["mentorflow"].engine, world["mentee"])))
        token = create_token(app.extensions["mentorflow"].engine, "bench", person_id=world["mentee"])[0]

        def page() -> None:
            response = client.get(f"/relationships/{rid}")
            assert response.status_code == 200, response.status_code

        def view() -> None:
            assert "mentorflow" in block.student_view({}).content

        def runtime_view() -> None:
            assert "mentorflow" in course.view(block)

        def api_fire() -> None:
            response = client.post(f"/api/v1/relationships/{rid}/transitions/submit_reflection",
                                   json={"data": {**REFLECTION, "health": 4}},
                                   headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.get_data(as_text=True)

        def handler_fire() -> None:
            status, answer = course.call(block, "fire", {"relationship": rid, "transition": "submit_reflection",
                                                         "data": REFLECTION})
            assert status == 200, answer

        figures = timed({"page": page, "student_view": view, "runtime_render": runtime_view}, renders, repeat)
        # The handler answers with the re-rendered block, so its baseline is the API call plus a page render.
        figures |= timed({"api_fire": api_fire, "api_page": page, "handler_fire": handler_fire}, fires, repeat)
        app.extensions["mentorflow"].engine.db.dispose()
        forget_engines()
    figures["render_ratio"] = figures["student_view"] / figures["page"]
    figures["fire_ratio"] = figures["handler_fire"] / (figures["api_fire"] + figures["api_page"])
    print(f"  participant page, GET (baseline)          {figures['page']:7.2f} ms per render", file=out)
    print(f"  XBlock student_view                       {figures['student_view']:7.2f} ms per render  "
          f"({figures['render_ratio']:.2f} × the page)", file=out)
    print(f"  the same through xblock's TestRuntime     {figures['runtime_render']:7.2f} ms per render  "
          f"({figures['runtime_render'] / figures['page']:.2f} × the page; its render looks up asides by "
          "scanning entry points on every call)", file=out)
    print(f"  REST API transition + page GET (baseline) {figures['api_fire'] + figures['api_page']:7.2f} ms "
          f"({figures['api_fire']:.2f} + {figures['api_page']:.2f})", file=out)
    print(f"  XBlock fire handler (answers with HTML)   {figures['handler_fire']:7.2f} ms per transition  "
          f"({figures['fire_ratio']:.2f} × the API and the page)", file=out)
    return figures


if __name__ == "__main__":
    main()
