"""A group, a peer circle and co-mentoring lived from start to closure on the pages, in real Chromium (issue #18).

Each shipped template's relationship runs on `mentorflow serve --demo`: the agreement is proposed and signed
by every member, goals are set by the members who own them and confirmed, a group meeting is logged, each
member reflects, every member hands in a closure form and the relationship closes. Everything is done by the
members themselves through the forms on their pages (no engine call after the start); after every step the
page passes axe-core, and the phone run fits 390 px. The closing summary then names every member.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mentorflow.integrations.web.demo import PROGRAMME
from mentorflow.schemas import template_paths

from .browser import browser, check_page, enter_demo
from .conftest import Server, start_server, stop_server


@dataclass(frozen=True)
class Cast:
    """A template's relationship: its leader (who proposes the agreement and confirms goals) and the others."""

    template: str
    device: str
    roles: dict[str, list[str]]
    leader: str
    goal_owners: list[str]
    """Who sets each goal (the programme's guard says how many must be agreed before the check-ins)."""
    confirmer: str
    before_closing: tuple[str, ...] = ()
    """What the leader's programme asks for before it closes, beyond every member's closure form."""

    def everyone(self) -> list[str]:
        return [name for names in self.roles.values() for name in names]


CASTS = [
    Cast("first-year-cohort", "desktop-en", {"mentor": ["Sara Holm"], "mentee": ["Ali Demir", "Bea Lund", "Carl Juhl"]},
         leader="Sara Holm", goal_owners=["Ali Demir", "Bea Lund", "Carl Juhl"], confirmer="Sara Holm"),
    Cast("professional-circle", "phone-da",
         {"facilitator": ["Dorte Frost"], "peer": ["Emil Dahl", "Frida Bach", "Gustav Kjær"]},
         leader="Dorte Frost", goal_owners=["Emil Dahl", "Frida Bach", "Gustav Kjær"], confirmer="Dorte Frost"),
    Cast("entrepreneur-co-mentoring", "desktop-en",
         {"mentee": ["Hanne Juul"], "mentor": ["Ivan Berg", "Jonas Vinter"]},
         leader="Hanne Juul", goal_owners=["Hanne Juul", "Hanne Juul"], confirmer="Jonas Vinter",
         before_closing=("record_closure_conversation",)),
]


@pytest.fixture(scope="module")
def formats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("formats")
    running = start_server(f"sqlite:///{folder / 'demo.db'}", folder / "server.log", "--demo")
    engine = running.engine()
    for cast in CASTS:
        engine.publish_workflow(cast.template, json.loads(template_paths()[cast.template].read_text("utf-8")))
        members: dict[str, list[int]] = {}
        for role, names in cast.roles.items():
            for name in names:
                person = engine.add_person(name)
                engine.grant_role(cast.template, person, role)
                # The demo's start page lets in the people of its own programme.
                engine.grant_role(PROGRAMME, person, "mentor" if role in ("mentor", "facilitator") else "mentee")
                members.setdefault(role, []).append(person)
        engine.start_relationship(cast.template, members=members)
    engine.db.dispose()
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


class Walk:
    """The members' pages of one relationship, each signed in once, acted on by transition id."""

    def __init__(self, chromium: Any, server: Server, cast: Cast, artifacts: Path) -> None:
        self.cast, self.artifacts, self.steps = cast, artifacts, 0
        self.pages = {name: enter_demo(chromium, server.url, name, cast.device) for name in cast.everyone()}

    def page(self, name: str) -> Any:
        page = self.pages[name]
        page.reload()
        return page

    def fire(self, name: str, transition: str, answers: dict[str, str] | None = None) -> Any:
        """Open the action ``transition`` on ``name``'s page, fill its form as a person would, and submit it."""
        page = self.page(name)
        action = page.locator(f"details#action-{transition}")
        assert action.count() == 1, f"{name} is not offered {transition}: " + page.locator(".actions").inner_text()
        action.locator("summary").click()
        fill_form(action.locator("form"), answers or {})
        with page.expect_navigation():
            action.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        alerts = page.get_by_role("alert").all_inner_texts()
        assert not alerts, f"{name} could not {transition}: {alerts}"
        assert page.get_by_role("status").count() >= 1, f"{transition} by {name} confirmed nothing"
        self.steps += 1
        check_page(page, self.artifacts, f"walk-{self.cast.template}-{self.steps:02d}-{transition}", self.cast.device)
        return page

    def stage(self, name: str) -> str:
        return str(self.page(name).locator("[aria-current=step]").inner_text()).strip()

    def document(self) -> dict[str, Any]:
        return dict(json.loads(template_paths()[self.cast.template].read_text("utf-8")))

    def stage_label(self, state: str) -> str:
        """The template's own name for ``state``, in the walk's language."""
        return str(next(s for s in self.document()["states"] if s["id"] == state)["label"][self.cast.device[-2:]])

    def field_label(self, form: str, name: str) -> str:
        """The template's label of a form's field, in the walk's language."""
        return str(self.document()["forms"][form]["fields"][name]["label"][self.cast.device[-2:]])


def fill_form(form: Any, answers: dict[str, str]) -> None:
    """Fill every visible control as a person would: the answer given for its label, else a sensible one.

    ``answers`` maps a control's label (exactly) to its answer: the text to type, or the option to pick
    (a goal by its title).
    """
    today = date.today().isoformat()
    for control in form.locator("input:not([type=hidden]), select, textarea").all():
        if not control.is_visible():
            continue
        kind = control.evaluate("e => e.tagName === 'INPUT' ? e.type : e.tagName.toLowerCase()")
        label = _label(control.evaluate("e => (e.labels && e.labels[0] ? e.labels[0].innerText : '')"))
        if kind == "checkbox":
            control.check()
        elif kind == "radio":
            if not form.locator(f"input[name='{control.get_attribute('name')}']:checked").count():
                control.check()
        elif kind == "select":
            if label in answers:
                control.select_option(label=answers[label])
            elif not control.input_value():
                values = [v for v in control.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
                if values:
                    control.select_option(values[-1])
        elif label in answers:
            control.fill(answers[label])
        elif control.input_value():
            continue
        elif kind == "date":
            control.fill(today)
        elif kind == "number":
            control.fill(control.get_attribute("min") or "1")
        else:
            control.fill(f"{label or 'An answer'}: written on the page")


def _label(text: str) -> str:
    """A control's label without the required-field marker: "Goal * (required)" reads "Goal"."""
    return re.sub(r"\s*\*.*$", "", text.split("\n")[0]).strip()


@pytest.mark.parametrize("cast", CASTS, ids=[cast.template for cast in CASTS])
def test_every_format_lives_from_start_to_closure_on_the_pages(formats_server: Server, chromium: Any,
                                                               artifacts: Path, cast: Cast) -> None:
    walk = Walk(chromium, formats_server, cast, artifacts)
    english = cast.device.endswith("en")
    members = cast.everyone()

    walk.fire(cast.leader, "propose_agreement")
    for name in members:
        walk.fire(name, "sign_agreement")
    if cast.template == "professional-circle":  # the circle starts from a self-assessment of each peer
        for name in cast.roles["peer"]:
            walk.fire(name, "self_assess_start")
    walk.fire(cast.leader, "agree")
    assert walk.stage(cast.leader) == walk.stage_label("goal_setting")

    title_label, goal_label = walk.field_label("goal", "title"), walk.field_label("goal_confirmation", "goal_id")
    titles = [(name, f"{title_label} {n}: {name}") for n, name in enumerate(cast.goal_owners, 1)]
    for name, title in titles:
        walk.fire(name, "add_goal", {title_label: title})
    for _name, title in titles:
        walk.fire(cast.confirmer, "agree_goal", {goal_label: title})
    walk.fire(cast.leader, "start_reflecting")
    assert walk.stage(cast.leader) == walk.stage_label("reflecting")

    walk.fire(cast.goal_owners[0], "log_meeting")
    for name in members:
        walk.fire(name, "submit_reflection")
    walk.fire(cast.goal_owners[0], "begin_closure")
    learned = walk.field_label("closure_form", "learned")
    for name in members:
        walk.fire(name, "submit_closure_form", {learned: f"What {name} learned"})
    for transition in cast.before_closing:
        walk.fire(cast.leader, transition)
    walk.fire(cast.leader, "close")
    closed = walk.stage_label("closed")
    assert walk.stage(cast.leader) == closed
    # Every member's page reads the relationship as closed and names the others.
    for name in members:
        page = walk.page(name)
        assert page.locator("[aria-current=step]").inner_text().strip() == closed
        listed = " ".join(page.get_by_role("region", name="Who is in it" if english else "Hvem er med")
                          .locator("li").all_inner_texts())
        assert all(other in listed for other in members), listed
    # The closing summary speaks of each member: their reflections, what each learned, how each rated the goals.
    summary = walk.page(cast.leader).get_by_role("region", name="Closing summary" if english
                                                  else "Afsluttende opsummering")
    text = summary.inner_text()
    for name in members:
        assert f"What {name} learned" in text, text
        assert sum(line.startswith(f"{name} (") for line in text.splitlines()) >= 2, (name, text)
    for row in summary.locator(".summary-goals tbody tr").all():
        assert row.locator("li").count() == len(members), row.inner_text()
    # What a mentee or peer shared "with the mentor" stays out of the fellow mentees' and peers' summaries.
    first, *fellows = dict.fromkeys(cast.goal_owners)
    mine = walk.page(first).get_by_role("region", name="Closing summary" if english
                                        else "Afsluttende opsummering").inner_text()
    assert f"What {first} learned" in mine and f"What {cast.leader} learned" in mine, mine
    for fellow in fellows:
        assert f"What {fellow} learned" not in mine, mine
    assert mine.count("not shared with you" if english else "ikke delt med dig") == len(fellows), mine
    agreement = walk.page(members[-1]).get_by_role("region", name="The agreement" if english else "Aftalen")
    assert (f"all {len(members)} of you" if english else f"alle {len(members)}") in agreement.inner_text()
