"""The kudos plugin in a real engine and behind a real HTTP server (the web service on a loopback port)."""

import dataclasses
import json
import re
import threading
from importlib.resources import files

import httpx
import pytest
from werkzeug.serving import make_server

from mentorflow import GuardFailed
from mentorflow.integrations.web import create_app
from mentorflow.integrations.web.settings import load_settings
from mentorflow.tokens import create_token

SIGNED = [("sign_agreement", "mentor", {"accept": True}), ("sign_agreement", "mentee", {"accept": True}),
          ("agree", "mentee"), ("add_goal", "mentee", {"title": "Finish the thesis", "category": "academic"}),
          ("start_reflecting", "mentor")]


def with_kudos():
    """The built-in lifecycle with the transition a programme adds to use the plugin."""
    document = json.loads(files("mentorflow.schemas").joinpath("lifecycle.json").read_text("utf-8"))
    document["forms"]["kudos"] = {
        "title": {"en": "Kudos", "da": "Ros"},
        "schema": {"type": "object", "required": ["message"], "additionalProperties": False,
                   "properties": {"message": {"type": "string", "minLength": 1, "maxLength": 500}}},
        "fields": {"message": {"label": {"en": "Your thanks", "da": "Din tak"}, "widget": "textarea"}}}
    document["transitions"].append({
        "id": "send_kudos", "from": ["reflecting"], "roles": ["mentee"], "form": "kudos",
        "guards": [{"name": "kudos.once_a_day"}], "effects": [{"name": "kudos.record"}],
        "label": {"en": "Say thank you", "da": "Sig tak"}})
    return document


@pytest.fixture
def pair(mentorflow_factory):
    # Called "demo" so that the web service's demo mode (sign in from the start page) can enter as its people.
    mentorflow_factory.programme("demo", with_kudos())
    rel = mentorflow_factory.relationship("demo")
    return mentorflow_factory.drive(rel, SIGNED)


@pytest.fixture
def server(mentorflow_engine, mentorflow_database_url):
    settings = dataclasses.replace(load_settings(), database_url=mentorflow_database_url, demo=True,
                                   secret_key="kudos-test")
    http = make_server("127.0.0.1", 0, create_app(settings, mentorflow_engine), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


def test_the_plugin_is_loaded_from_its_entry_point(mentorflow_engine):
    assert mentorflow_engine.pm.get_plugin("kudos") is not None
    assert "kudos.once_a_day" in mentorflow_engine.guards
    assert "kudos.record" in mentorflow_engine.effects


def test_the_effect_stores_kudos_and_the_guard_allows_one_a_day(mentorflow_engine, mentorflow_factory, pair,
                                                                 mentorflow_clock):
    sent = mentorflow_factory.drive(pair, [("send_kudos", "mentee", {"message": "Thank you for Tuesday"})])
    with pytest.raises(GuardFailed, match="once a day"):
        mentorflow_factory.drive(sent, [("send_kudos", "mentee", {"message": "And again"})])
    mentorflow_clock.advance(days=1, seconds=1)
    mentorflow_factory.drive(sent, [("send_kudos", "mentee", {"message": "Thanks for the feedback"})])
    from mentorflow_kudos import store

    with mentorflow_engine.read() as conn:
        assert [k.message for k in store.of_relationship(conn, pair.id)] == [
            "Thank you for Tuesday", "Thanks for the feedback"]


def test_the_guard_explains_itself_in_danish(mentorflow_factory, pair):
    from mentorflow.i18n import set_locale

    sent = mentorflow_factory.drive(pair, [("send_kudos", "mentee", {"message": "Tak"})])
    set_locale("da")
    try:
        with pytest.raises(GuardFailed, match="én gang om dagen"):
            mentorflow_factory.drive(sent, [("send_kudos", "mentee", {"message": "Tak igen"})])
    finally:
        set_locale("en")


def test_the_rest_route_lists_kudos_and_refuses_strangers(mentorflow_engine, mentorflow_factory, pair, server):
    mentorflow_factory.drive(pair, [("send_kudos", "mentee", {"message": "Thank you"})])
    mentor, _info = create_token(mentorflow_engine, "mentor", person_id=pair.mentor_id)
    stranger, _info = create_token(mentorflow_engine, "stranger", person_id=mentorflow_factory.person("Eve"))
    with httpx.Client(base_url=server, timeout=15) as client:
        answer = client.get(f"/api/v1/relationships/{pair.id}/kudos", headers={"Authorization": f"Bearer {mentor}"})
        assert answer.status_code == 200, answer.text
        assert [(k["message"], k["sender_id"]) for k in answer.json()["items"]] == [("Thank you", pair.mentee_id)]
        refused = client.get(f"/api/v1/relationships/{pair.id}/kudos",
                             headers={"Authorization": f"Bearer {stranger}"})
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("application/problem+json")
        spec = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {mentor}"}).json()
        assert spec["paths"]["/api/v1/relationships/{relationship_id}/kudos"]["get"]["tags"] == ["kudos"]


def test_the_relationship_page_shows_the_panel_in_english_and_danish(mentorflow_factory, pair, server):
    mentorflow_factory.drive(pair, [("send_kudos", "mentee", {"message": "Thank you <3"})])
    with httpx.Client(base_url=server, timeout=15) as browser:
        start = browser.get("/").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', start).group(1)
        assert browser.post(f"/demo/enter/{pair.mentor_id}", data={"csrf": csrf}).status_code == 302
        page = browser.get(f"/relationships/{pair.id}").text
        assert '<h2 id="kudos-heading">Kudos</h2>' in page
        assert "<q>Thank you &lt;3</q>" in page  # escaped
        danish = browser.get(f"/relationships/{pair.id}?lang=da").text
        assert '<h2 id="kudos-heading">Ros</h2>' in danish and "fra " in danish
