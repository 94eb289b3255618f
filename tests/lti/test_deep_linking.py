"""Deep linking: a teacher adds the mentoring activity from the platform's activity chooser."""

from __future__ import annotations

import httpx
import jwt
import pytest

from .conftest import Browser, Tool, course, person
from .platform import form_fields


@pytest.fixture
def teacher_browser(sqlite_tool: Tool) -> Browser:
    return Browser(sqlite_tool)


def test_deep_linking_returns_a_signed_resource_link_that_later_launches_into_the_programme(
        sqlite_tool: Tool, teacher_browser: Browser) -> None:
    tool, platform = sqlite_tool, sqlite_tool.platform
    graded = tool.programme(grade="completion", line_item_label={"en": "Mentoring", "da": "Mentorforløb"})
    room = course(platform, "Chemistry")
    teacher = person("Instructor", "Dina Teacher")
    platform.expect("dl", teacher, room, message_type="LtiDeepLinkingRequest")
    chooser = teacher_browser.launch("dl")
    assert chooser.status_code == 200 and f'data-programme="{graded}"' in chooser.text
    action = chooser.text.split('action="', 2)
    chosen_url = next(a.split('"')[0] for a in action[1:] if "/lti/deep-link/" in a.split('"')[0])
    answer = teacher_browser.client.post(chosen_url, data={"programme": graded})
    assert answer.status_code == 200 and "autosubmit.js" in answer.text
    return_url, fields = form_fields(answer.text)
    assert return_url == platform.url + "/mod/lti/contentitem_return.php?course=" + room.id
    jwks = httpx.get(tool.url + "/lti/jwks").json()
    header = jwt.get_unverified_header(fields["JWT"])
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"]))
    claims = jwt.decode(fields["JWT"], key, algorithms=["RS256"], audience=platform.url)
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    assert claims["iss"] == platform.client_id and claims["nonce"]
    assert claims[lti + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[lti + "deployment_id"] == platform.deployment_id
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    [item] = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == tool.url + "/lti/launch"
    assert item["custom"] == {"programme": graded} and item["title"] == "Peer mentoring"
    assert item["lineItem"]["resourceId"] == f"mentorflow:{graded}" and item["lineItem"]["label"] == "Mentoring"
    # The choice cannot be made twice.
    again = teacher_browser.client.post(chosen_url, data={"programme": graded})
    assert again.status_code == 400 and 'data-lti-error="unknown-state"' in again.text
    # A learner's later launch of the placed link finds the programme through the course (no custom parameter).
    learner = person("Learner")
    platform.expect("after-dl", learner, room)
    b = Browser(tool)
    assert b.launch("after-dl").headers["location"].endswith("/me")
    b.close()
    engine = tool.engine()
    assert engine.programme_roles(graded, engine.find_person(f"lti:{platform.url}", learner.sub)) == {"mentee"}
    assert engine.programme_roles(graded, engine.find_person(f"lti:{platform.url}", teacher.sub)) == {"coordinator"}
    engine.db.dispose()


def test_learners_cannot_add_the_activity(sqlite_tool: Tool, teacher_browser: Browser) -> None:
    sqlite_tool.platform.expect("dl-learner", person("Learner"), course(sqlite_tool.platform),
                                message_type="LtiDeepLinkingRequest")
    answer = teacher_browser.launch("dl-learner")
    assert answer.status_code == 403 and 'data-lti-error="not-allowed"' in answer.text


def test_deep_linking_state_is_in_the_teachers_export_and_gone_after_erasure(tool: Tool) -> None:
    """``mf_lti_states.data`` keeps the teacher's LMS user id, name and e-mail (SQLite and PostgreSQL)."""
    from sqlalchemy import select

    from mentorflow.gdpr import erase_person, export_person
    from mentorflow.integrations.lti.models import LaunchState

    key = tool.programme()
    teacher = person("Instructor", "Erin Eraseme")
    browser = Browser(tool)
    # One choice made (the teacher becomes a person), one deep-linking launch left unfinished.
    for hint in ("dl-made", "dl-open"):
        tool.platform.expect(hint, teacher, course(tool.platform), message_type="LtiDeepLinkingRequest")
        chooser = browser.launch(hint)
        assert chooser.status_code == 200
        if hint == "dl-made":
            url = next(a.split('"')[0] for a in chooser.text.split('action="')[1:] if "/lti/deep-link/" in a)
            assert browser.client.post(url, data={"programme": key}).status_code == 200
    browser.close()
    engine = tool.engine()
    pid = engine.find_person(f"lti:{tool.platform.url}", teacher.sub)
    assert pid is not None
    exported = export_person(engine, pid)["plugins"]["lti"]["launch_states"]
    deep = [s for s in exported if s["kind"] == "deep_link"]
    assert len(deep) == 2 and {s["data"]["claims"]["email"] for s in deep} == {teacher.email}
    assert all(s["data"]["sub"] == teacher.sub for s in deep)
    assert all("browser" not in s["data"] for s in exported)  # the cookie secret is no personal data
    S = LaunchState.__table__

    def stored() -> str:
        with engine.read() as conn:
            return " ".join(str(row.data) for row in conn.execute(select(S)).all())

    assert teacher.email in stored() and "Erin" in stored()
    erase_person(engine, pid)
    assert teacher.email not in stored() and "Erin" not in stored() and f"'sub': '{teacher.sub}'" not in stored()
    engine.db.dispose()
