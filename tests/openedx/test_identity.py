"""Who is asking: the user service's attributes, any of which may be missing, mapped to an external id."""

from __future__ import annotations

from types import SimpleNamespace

from mentorflow.integrations.openedx.config import Config
from mentorflow.integrations.openedx.identity import identify
from mentorflow.integrations.openedx.language import resolve_locale
from mentorflow.integrations.openedx.programme import apply_cadence, default_key

CONFIG = Config(site="learn.example.edu", workbench_staff=frozenset({"carla"}))


def user(attrs: dict[str, object], **fields: object) -> SimpleNamespace:
    return SimpleNamespace(opt_attrs=attrs, emails=fields.get("emails", []), full_name=fields.get("full_name", ""))


def test_the_lms_user_id_names_the_person_on_this_site() -> None:
    who = identify(user({"edx-platform.user_id": 42, "edx-platform.username": "mia",
                         "edx-platform.user_preferences": {"pref-lang": "da"}}, emails=["mia@example.org"]), CONFIG)
    assert (who.source, who.external_id, who.display_name, who.email, who.language, who.is_staff) == (
        "openedx:learn.example.edu", "42", "mia", "mia@example.org", "da", False)


def test_only_an_anonymous_id_gives_a_person_of_its_own_source() -> None:
    who = identify(user({"edx-platform.anonymous_user_id": "abc"}), CONFIG)
    assert (who.source, who.external_id, who.display_name) == ("openedx:learn.example.edu:anonymous", "abc",
                                                                "User abc")


def test_staff_comes_from_the_staff_flag_or_role_and_in_the_workbench_from_the_settings() -> None:
    assert identify(user({"edx-platform.user_id": 1, "edx-platform.user_is_staff": True}), CONFIG).is_staff
    assert identify(user({"edx-platform.user_id": 1, "edx-platform.user_role": "instructor"}), CONFIG).is_staff
    assert not identify(user({"edx-platform.user_id": 1, "edx-platform.user_role": "student"}), CONFIG).is_staff
    carla = identify(user({"xblock-workbench.user_id": "carla"}), CONFIG)
    assert (carla.source, carla.is_staff) == ("openedx:workbench", True)
    assert not identify(user({"xblock-workbench.user_id": "mia"}), CONFIG).is_staff
    # In Open edX the workbench list means nothing, even for a user id that happens to match.
    assert not identify(user({"edx-platform.user_id": "carla", "xblock-workbench.user_id": "carla"}), CONFIG).is_staff


def test_nobody_signed_in_is_no_identity() -> None:
    assert identify(None, CONFIG) is None
    assert identify(user({}), CONFIG) is None
    assert identify(user({"xblock-workbench.user_id": ""}), CONFIG) is None


def test_language_from_the_preference_then_the_request_then_english() -> None:
    request = SimpleNamespace(get_language=lambda: "da-dk")
    assert resolve_locale("da", None) == "da"
    assert resolve_locale("en", request) == "en"
    assert resolve_locale("fr", request) == "da"  # mentorflow has no French: the request's language
    assert resolve_locale(None, request) == "da"
    assert resolve_locale(None, SimpleNamespace()) == "en"


def test_programme_keys_and_cadence() -> None:
    assert default_key("course-v1:UniX+Mentor+2026_Spring") == "openedx-course-v1-unix-mentor-2026_spring"
    long_key = default_key("course-v1:" + "X" * 80)
    assert len(long_key) == 64 and long_key != default_key("course-v1:" + "X" * 81)
    document = {"timers": [{"kind": "recurring", "every": "P14D"}, {"kind": "deadline", "after": "P6M"}],
                "programme": {"settings": {"adjustments": {"defaults": {"cadence": "P14D"}}}}}
    changed = apply_cadence(document, "P7D")
    assert changed["timers"][0]["every"] == "P7D" and changed["timers"][1] == {"kind": "deadline", "after": "P6M"}
    assert changed["programme"]["settings"]["adjustments"]["defaults"]["cadence"] == "P7D"
    assert document["timers"][0]["every"] == "P14D"  # the template itself is untouched
