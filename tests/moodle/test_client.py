"""The Web Services client against a local server that answers like Moodle."""

from __future__ import annotations

import pytest

from mentorflow.integrations.moodle.client import (
    MoodleAccessDenied,
    MoodleClient,
    MoodleError,
    MoodleInvalidParameter,
    MoodleInvalidToken,
    MoodleUnavailable,
    php_encode,
)

from .fake_moodle import FakeMoodle, php_decode


def test_php_bracket_encoding_round_trips() -> None:
    params = {"messages": [{"touserid": 5, "text": "Hej", "textformat": 2}, {"touserid": 6, "text": "x"}],
              "field": "id", "values": [3, 4], "flag": True, "skip": None}
    pairs = php_encode(params)
    assert ("messages[0][touserid]", "5") in pairs and ("messages[1][text]", "x") in pairs
    assert ("values[1]", "4") in pairs and ("flag", "1") in pairs and all(k != "skip" for k, _ in pairs)
    assert php_decode(pairs) == {"messages": [{"touserid": "5", "text": "Hej", "textformat": "2"},
                                              {"touserid": "6", "text": "x"}],
                                 "field": "id", "values": ["3", "4"], "flag": "1"}


def test_calls_use_json_format_and_bracket_arrays(moodle: FakeMoodle) -> None:
    moodle.user(5, "Ada", "Lovelace")
    moodle.user(6, "Bo", "Berg")
    with MoodleClient(moodle.url, FakeMoodle.TOKEN) as client:
        assert client.site_info()["username"] == "mentorflow-bot"
        users = client.users_by_field("id", [5, 6])
    assert [u["fullname"] for u in users] == ["Ada Lovelace", "Bo Berg"]
    assert moodle.calls[-1] == ("core_user_get_users_by_field", {"field": "id", "values": ["5", "6"]})


@pytest.mark.parametrize("setup, call, error, code", [
    ("bad token", lambda c: c.site_info(), MoodleInvalidToken, "invalidtoken"),
    ("function not in service", lambda c: c.cohorts(), MoodleAccessDenied, "accessexception"),
    ("bad parameter", lambda c: c.users_by_field("shoe size", [1]), MoodleInvalidParameter, "invalidparameter"),
    ("unknown user", lambda c: c.assign_roles([{"roleid": 9, "userid": 77, "contextlevel": "user",
                                                "instanceid": 78}]), MoodleError, "invaliduser"),
])
def test_moodle_errors_answered_with_http_200_become_typed_errors(moodle: FakeMoodle, setup: str, call: object,
                                                                   error: type[MoodleError], code: str) -> None:
    token = "wrong" if setup == "bad token" else FakeMoodle.TOKEN
    if setup == "function not in service":
        moodle.functions.discard("core_cohort_get_cohorts")
    with MoodleClient(moodle.url, token, retries=0) as client, pytest.raises(error) as raised:
        call(client)  # type: ignore[operator]
    assert raised.value.errorcode == code and code in raised.value.message
    assert raised.value.status == 502


def test_server_errors_are_retried_then_reported(moodle: FakeMoodle) -> None:
    moodle.fail_next = 2
    with MoodleClient(moodle.url, FakeMoodle.TOKEN, retries=2, backoff=0.01) as client:
        assert client.site_info()["sitename"] == "Test Moodle"
    moodle.fail_next = 5
    with MoodleClient(moodle.url, FakeMoodle.TOKEN, retries=1, backoff=0.01) as client, \
            pytest.raises(MoodleUnavailable, match="HTTP 503"):
        client.site_info()


def test_an_unreachable_site_and_a_non_json_answer_are_clear_errors(moodle: FakeMoodle) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with MoodleClient(f"http://127.0.0.1:{closed}", "t", retries=1, backoff=0.01, timeout=2) as client, \
            pytest.raises(MoodleUnavailable):
        client.site_info()
    with MoodleClient(moodle.url + "/nothing-here", FakeMoodle.TOKEN, retries=0) as client, \
            pytest.raises(MoodleError, match="HTTP 404"):
        client.site_info()
