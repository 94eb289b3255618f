"""LTI 1.3 launches over real HTTP: login initiation → platform authentication → launch → page, and every refusal."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from mentorflow.db.models import ExternalIdentity, Person

from .conftest import Browser, Tool, course, person, unique
from .platform import Key, form_fields


def people_count(tool: Tool) -> tuple[int, int]:
    engine = tool.engine()
    with engine.read() as conn:
        counts = (conn.execute(select(func.count()).select_from(Person.__table__)).scalar_one(),
                  conn.execute(select(func.count()).select_from(ExternalIdentity.__table__)).scalar_one())
    engine.db.dispose()
    return counts


def person_of(tool: Tool, sub: str) -> int | None:
    engine = tool.engine()
    found = engine.find_person(f"lti:{tool.platform.url}", sub)
    engine.db.dispose()
    return found


def refused(response: httpx.Response, code: str, status: int) -> None:
    assert response.status_code == status, response.text
    assert f'data-lti-error="{code}"' in response.text, response.text
    assert "Traceback" not in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_learner_launch_lands_on_their_mentoring_page_in_the_lms_locale(tool: Tool, browser: Browser) -> None:
    key = tool.programme(learner_role="mentee")
    learner = person("Learner", "Mia Jensen")
    tool.platform.expect("mia", learner, course(tool.platform, "Biology 101"), custom={"programme": key},
                         locale="da-DK")
    launched = browser.launch("mia")
    assert launched.status_code == 303 and launched.headers["location"].endswith("/me")
    page = browser.client.get("/me")
    assert page.status_code == 200
    assert '<html lang="da">' in page.text and "Mia Jensen" in page.text
    engine = tool.engine()
    pid = engine.find_person(f"lti:{tool.platform.url}", learner.sub)
    assert pid is not None
    stored = engine.person(pid)
    assert (stored["display_name"], stored["email"], stored["locale"]) == ("Mia Jensen", learner.email, "da")
    assert engine.programme_roles(key, pid) == {"mentee"}
    engine.db.dispose()


def test_instructor_launch_lands_on_the_coordinator_dashboard(tool: Tool, browser: Browser) -> None:
    key = tool.programme()
    teacher = person("Instructor", "Carl Teacher")
    tool.platform.expect("carl", teacher, course(tool.platform), custom={"programme": key})
    launched = browser.launch("carl")
    assert launched.status_code == 303 and launched.headers["location"].endswith(f"/coordinator/{key}")
    dashboard = browser.client.get(f"/coordinator/{key}")
    assert dashboard.status_code == 200 and "Carl Teacher" in dashboard.text
    engine = tool.engine()
    assert engine.programme_roles(key, person_of(tool, teacher.sub)) == {"coordinator"}  # type: ignore[arg-type]
    engine.db.dispose()


def test_a_second_launch_updates_the_person_and_keeps_the_role(tool: Tool) -> None:
    key = tool.programme(learner_role="mentor")
    learner = person("Learner", "Old Name")
    room = course(tool.platform)
    for name in ("Old Name", "New Name"):
        learner.name = name
        tool.platform.expect("again", learner, room, custom={"programme": key})
        b = Browser(tool)
        assert b.launch("again").status_code == 303
        b.close()
    engine = tool.engine()
    pid = person_of(tool, learner.sub)
    assert engine.person(pid)["display_name"] == "New Name"  # type: ignore[arg-type]
    assert engine.programme_roles(key, pid) == {"mentor"}  # type: ignore[arg-type]
    engine.db.dispose()


def test_an_attackers_launch_posted_from_the_victims_browser_signs_nobody_in(tool: Tool, browser: Browser) -> None:
    """Login CSRF: the attacker's own, unsent launch auto-posted by another site into the victim's browser."""
    key = tool.programme()
    victim_person, attacker_person = person("Learner", "Vera Victim"), person("Learner", "Mallory Attacker")
    room = course(tool.platform)
    tool.platform.expect("victim", victim_person, room, custom={"programme": key})
    assert browser.launch("victim").status_code == 303  # the victim is signed in as herself
    attacker = Browser(tool)
    tool.platform.expect("attacker", attacker_person, room, custom={"programme": key})
    action, fields = attacker.authorize("attacker")  # the attacker stops before posting the launch
    before = people_count(tool)
    forged = browser.client.post(action, data=fields)
    refused(forged, "state-not-bound", 403)
    assert person_of(tool, attacker_person.sub) is None and people_count(tool) == before
    me = browser.client.get("/me")
    assert me.status_code == 200 and "Vera Victim" in me.text and "Mallory" not in me.text
    # A cookie named for the state but with another value is no better; nothing was used up meanwhile.
    browser.client.cookies.set("mf_lti_state_" + fields["state"], "guessed", path="/lti/")
    refused(browser.client.post(action, data=fields), "state-not-bound", 403)
    assert attacker.client.post(action, data=fields).status_code == 303
    attacker.close()


def test_a_browser_that_blocks_the_frame_cookie_is_offered_a_new_window(tool: Tool, browser: Browser) -> None:
    """Without the state cookie (third-party cookies blocked in the LMS frame) the launch is refused with a link
    that restarts the sign-in top-level, where the cookie is first-party."""
    key = tool.programme()
    learner = person("Learner")
    tool.platform.expect("iframe", learner, course(tool.platform), custom={"programme": key}, locale="da")
    action, fields = browser.authorize("iframe")
    assert any(c.startswith("mf_lti_state_") for c in browser.client.cookies)
    with httpx.Client(timeout=10) as cookieless:
        answer = cookieless.post(action, data=fields)
        assert cookieless.get(tool.url + "/me").status_code == 401  # no session came with the refusal
    refused(answer, "state-not-bound", 403)
    assert person_of(tool, learner.sub) is None
    assert "Åbn i et nyt vindue" in answer.text  # in the LMS language
    link = re.search(r'data-lti-restart href="([^"]+)" target="_blank"', answer.text)
    assert link is not None
    restart = link.group(1).replace("&amp;", "&")
    assert restart.startswith("/lti/login?") and "login_hint=iframe" in restart
    tool.platform.expect("iframe", learner, course(tool.platform), custom={"programme": key})
    window = Browser(tool)
    login = window.client.get(restart)
    assert login.status_code == 302
    page = httpx.get(login.headers["location"], timeout=10)
    launch_action, launch_fields = form_fields(page.text)
    launched = window.client.post(launch_action, data=launch_fields)
    assert launched.status_code == 303 and launched.headers["location"].endswith("/me")
    assert person_of(tool, learner.sub) is not None
    window.close()


def test_self_sign_up_lets_a_learner_choose_mentor(tool: Tool, browser: Browser) -> None:
    key = tool.programme(learner_role="choose")
    learner = person("Learner")
    tool.platform.expect("chooser", learner, course(tool.platform), custom={"programme": key})
    launched = browser.launch("chooser")
    assert launched.status_code == 303 and launched.headers["location"].endswith(f"/lti/signup/{key}")
    page = browser.client.get(f"/lti/signup/{key}")
    assert page.status_code == 200 and 'data-role="mentor"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    chosen = browser.client.post(f"/lti/signup/{key}", data={"csrf": csrf, "role": "mentor"})
    assert chosen.status_code == 302 and chosen.headers["location"].endswith("/me")
    engine = tool.engine()
    assert engine.programme_roles(key, person_of(tool, learner.sub)) == {"mentor"}  # type: ignore[arg-type]
    engine.db.dispose()
    # Someone who is no member of a course linked to the programme cannot sign up.
    outsider = Browser(tool)
    other = tool.programme(learner_role="choose")
    tool.platform.expect("outsider", person("Learner"), course(tool.platform), custom={"programme": other})
    assert outsider.launch("outsider").status_code == 303
    refused(outsider.client.get(f"/lti/signup/{key}"), "signup-closed", 403)
    outsider.close()


def test_a_rotated_platform_key_is_fetched_on_its_unknown_kid(tool: Tool, browser: Browser) -> None:
    key = tool.programme()
    tool.platform.keys.insert(0, Key(unique("rotated-")))
    try:
        tool.platform.expect("rotated", person("Learner"), course(tool.platform), custom={"programme": key})
        assert browser.launch("rotated").status_code == 303
    finally:
        tool.platform.keys.pop(0)


REFUSALS = {
    "bad-signature": ({"key": Key("platform-key-1")}, 401),  # the published kid, but another key signed
    "unknown-key": ({"key": Key("nobody-publishes-me")}, 401),
    "wrong-audience": ({"claims": {"aud": "another-tool"}}, 401),
    "wrong-issuer": ({"claims": {"iss": "https://evil.example"}}, 401),
    "unknown-deployment": ({"claims": {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "99"}}, 403),
    "expired": ({"iat_offset": -300}, 401),
    "issued-in-future": ({"iat_offset": 600}, 401),
    "bad-nonce": ({"claims": {"nonce": "not-the-one-we-sent"}}, 401),
    "wrong-message-type": ({"claims": {"https://purl.imsglobal.org/spec/lti/claim/message_type":
                                       "LtiSubmissionReviewRequest"}}, 400),
    "wrong-version": ({"claims": {"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"}}, 400),
    "missing-sub": ({"remove": ("sub",)}, 403),
}


@pytest.mark.parametrize("code", list(REFUSALS))
def test_a_bad_launch_is_refused_with_a_page_and_creates_nothing(tool: Tool, browser: Browser, code: str) -> None:
    key = tool.programme()
    learner = person("Learner")
    tampering, status = REFUSALS[code]
    tool.platform.expect(code, learner, course(tool.platform), custom={"programme": key}, **tampering)
    before = people_count(tool)
    refused(browser.launch(code), code, status)
    assert people_count(tool) == before and person_of(tool, learner.sub) is None
    log = tool.server.log.read_text()
    assert f'"code": "{code}"' in log and "Traceback" not in log


def test_a_replayed_launch_is_refused(tool: Tool, browser: Browser) -> None:
    key = tool.programme()
    tool.platform.expect("replay", person("Learner"), course(tool.platform), custom={"programme": key})
    action, fields = browser.authorize("replay")
    assert browser.client.post(action, data=fields).status_code == 303
    with httpx.Client(timeout=10) as attacker:
        refused(attacker.post(action, data=fields), "replayed-state", 401)
    refused(browser.client.post(action, data=fields), "replayed-state", 401)


def test_missing_or_unknown_state_is_refused(tool: Tool, browser: Browser) -> None:
    key = tool.programme()
    learner = person("Learner")
    tool.platform.expect("nostate", learner, course(tool.platform), custom={"programme": key})
    action, fields = browser.authorize("nostate")
    before = people_count(tool)
    refused(browser.client.post(action, data={"id_token": fields["id_token"]}), "missing-state", 400)
    refused(browser.client.post(action, data={**fields, "state": "made-up"}), "unknown-state", 400)
    assert people_count(tool) == before


def test_login_from_an_unknown_platform_or_for_another_tool_is_refused(tool: Tool, browser: Browser) -> None:
    refused(browser.login("x", iss="https://unknown.example"), "unknown-platform", 403)
    refused(browser.login("x", target_link_uri="https://elsewhere.example/lti/launch"), "bad-target", 400)
    refused(browser.login("x", lti_deployment_id="404"), "unknown-deployment", 403)


def test_launch_for_a_missing_or_unlinked_programme_is_refused(tool: Tool, browser: Browser) -> None:
    tool.platform.expect("noprog", person("Learner"), course(tool.platform), custom={"programme": "nope"})
    refused(browser.launch("noprog"), "unknown-programme", 404)
    tool.platform.expect("unlinked", person("Learner"), course(tool.platform))
    refused(browser.launch("unlinked"), "no-programme", 404)


def test_refusal_page_speaks_the_lms_language(tool: Tool, browser: Browser) -> None:
    tool.platform.expect("dansk", person("Learner"), course(tool.platform), locale="da",
                         claims={"aud": "another-tool"})
    answer = browser.launch("dansk")
    refused(answer, "wrong-audience", 401)
    assert '<html lang="da">' in answer.text


def test_a_launched_learner_sees_the_same_next_step_as_the_engine_gives(tool: Tool, browser: Browser) -> None:
    """The LTI launch lands on the web pages: the next-step line on My mentoring and the card on the relationship's
    page are ``Engine.next_step``'s answer for the learner, in the LMS's language (#16)."""
    import html

    from mentorflow.i18n import set_locale

    key = tool.programme(learner_role="mentee")
    learner = person("Learner", "Nora Next")
    tool.platform.expect("nora", learner, course(tool.platform, "Chemistry 101"), custom={"programme": key},
                         locale="da-DK")
    assert browser.launch("nora").status_code == 303
    engine = tool.engine()
    pid = engine.find_person(f"lti:{tool.platform.url}", learner.sub)
    assert pid is not None
    mentor = engine.add_person("Mads Mentor")
    engine.grant_role(key, mentor, "mentor")
    rel = engine.start_relationship(key, mentee=pid, mentor=mentor)
    set_locale("da")
    try:
        expected = html.escape(engine.next_step(rel, pid).text, quote=False)
    finally:
        set_locale(None)
    engine.db.dispose()
    me = browser.client.get("/me").text
    assert 'class="next-line"' in me and expected in me
    page = browser.client.get(f"/relationships/{rel.id}").text
    assert 'id="next-step"' in page and "Dit næste skridt" in page and expected in page
