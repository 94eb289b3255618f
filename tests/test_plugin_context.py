"""Plugins get the engine through the call (issue #19): effects, guards, choices providers and channels.

A third-party plugin written here offers a hook of its own, an effect and a guard that reach that hook
(``ctx.hooks``) and the engine's query API (``ctx.engine``) with no start-up hook; two engines in one
process, on one database, each hand their own plugins to the same effect and guard objects.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import click
import pluggy
import pytest

from mentorflow import (
    ChannelContext,
    ChoiceContext,
    EffectContext,
    Engine,
    FormInvalid,
    GuardContext,
    ManualClock,
    Message,
    choices_provider,
    effect,
    guard,
    hookimpl,
)
from mentorflow.hookspecs import hookspec
from mentorflow.testing import Factory
from tests.lifecycle import base_workflow

SIGNATURE = {"accept": True}


class NoteSpecs:
    """The third-party plugin's own hooks, for other plugins to implement."""

    @hookspec
    def notes_announced(self, relationship_id: int, text: str) -> None:
        """A note about a relationship was written."""

    @hookspec
    def notes_muted(self, relationship_id: int) -> bool | None:
        """True when notes about the relationship must not be written now."""


@effect("notes.announce", params={"type": "object", "properties": {"prefix": {"type": "string"}},
                                  "additionalProperties": False})
def announce(ctx: EffectContext, params: Mapping[str, Any]) -> None:
    """Tell this engine's listeners who signed, by display name (the engine's query API)."""
    name = ctx.engine.display_names({ctx.actor.person_id})[ctx.actor.person_id]  # type: ignore[index]
    ctx.event.extra["notes.seen_at"] = ctx.now
    ctx.hooks.notes_announced(relationship_id=ctx.relationship.id,
                              text=f"{params.get('prefix', '')}{name} signed as {ctx.role} in {ctx.workflow.id}")


@guard("notes.not_muted")
def not_muted(ctx: GuardContext, params: Mapping[str, Any]) -> str | None:
    """Blocked while one of this engine's listeners mutes the relationship."""
    if any(ctx.hooks.notes_muted(relationship_id=ctx.relationship.id)):
        return "notes are muted"
    roles = ctx.engine.programme_roles(ctx.relationship.programme_id, ctx.actor.person_id)  # type: ignore[arg-type]
    return None if roles else "not part of the programme"


@choices_provider("notes.people")
def people(ctx: ChoiceContext) -> list[tuple[Any, str]]:
    """The other side of the pair, by display name; nobody while this engine's listeners mute the relationship."""
    if any(ctx.hooks.notes_muted(relationship_id=ctx.relationship.id)):
        return []
    pair = {ctx.relationship.mentor_id, ctx.relationship.mentee_id} - {ctx.actor.person_id, None}
    return sorted(ctx.engine.display_names(pair).items())  # type: ignore[arg-type]


class Notes:
    """A third-party plugin: hookspecs, one effect, one guard; no ``mentorflow_startup``."""

    __name__ = "notes"  # one migrated template database for every test of this file

    @hookimpl
    def mentorflow_addhooks(self, pluginmanager: pluggy.PluginManager) -> None:
        pluginmanager.add_hookspecs(NoteSpecs)

    @hookimpl
    def mentorflow_register_effects(self) -> list[Any]:
        return [announce]

    @hookimpl
    def mentorflow_register_guards(self) -> list[Any]:
        return [not_muted]

    @hookimpl
    def mentorflow_register_choices(self) -> list[Any]:
        return [people]


NOTES = Notes()  # one plugin object shared by every engine, as a module plugin is


class Listener:
    """Implements the notes plugin's hooks for one engine."""

    def __init__(self, name: str) -> None:
        self.__name__ = name
        self.heard: list[tuple[int, str]] = []
        self.muted: set[int] = set()

    @hookimpl
    def notes_announced(self, relationship_id: int, text: str) -> None:
        self.heard.append((relationship_id, text))

    @hookimpl
    def notes_muted(self, relationship_id: int) -> bool | None:
        return relationship_id in self.muted


def noted_workflow() -> dict[str, Any]:
    document = base_workflow()
    sign = next(t for t in document["transitions"] if t["id"] == "sign_agreement")
    sign["effects"] = [{"name": "notes.announce", "params": {"prefix": "note: "}}]
    sign["guards"] = [{"name": "notes.not_muted"}]
    form = document["forms"]["agreement_signature"]
    form["schema"]["properties"]["witness"] = {"type": "integer"}
    form["fields"]["witness"] = {"label": {"en": "Witness", "da": "Vidne"}, "choices_from": "notes.people"}
    return document


LISTENER_A = Listener("listener_a")


@pytest.fixture
def mentorflow_plugins() -> Sequence[Any]:
    LISTENER_A.heard.clear()
    LISTENER_A.muted.clear()
    return [NOTES, LISTENER_A]


@pytest.fixture
def second_engine(mentorflow_database_url: str, mentorflow_clock: ManualClock) -> Iterator[tuple[Engine, Listener]]:
    """Another engine in this process on the same database (a worker beside the web app), its own listener."""
    listener = Listener("listener_b")
    engine = Engine(mentorflow_database_url, clock=mentorflow_clock, plugins=[NOTES, listener])
    yield engine, listener
    engine.db.dispose()


def test_a_third_party_effect_and_guard_reach_their_own_hooks_and_the_engine_through_the_context(
        mentorflow_engine: Engine, mentorflow_factory: Factory) -> None:
    mentorflow_factory.programme(document=noted_workflow())
    rel = mentorflow_factory.relationship()
    LISTENER_A.muted.add(rel.id)
    [blocked] = mentorflow_engine.available_transitions(rel, rel.mentor_id)[:1]
    assert blocked.transition.id == "sign_agreement" and blocked.reasons == ("notes are muted",)
    LISTENER_A.muted.clear()
    signed = mentorflow_engine.fire(rel, "sign_agreement", rel.mentor_id, SIGNATURE).relationship
    mentor = mentorflow_engine.display_names({rel.mentor_id})[rel.mentor_id]
    assert LISTENER_A.heard == [(rel.id, f"note: {mentor} signed as mentor in {noted_workflow()['id']}")]
    assert signed.version == rel.version + 1
    # The relationship a guard sees is the stored one; the one an effect sees is the one just written.
    assert mentorflow_engine.get(rel.id) == signed


def test_two_engines_in_one_process_do_not_see_each_others_plugins_through_the_context(
        mentorflow_engine: Engine, mentorflow_factory: Factory, second_engine: tuple[Engine, Listener]) -> None:
    other, listener_b = second_engine
    mentorflow_factory.programme(document=noted_workflow())
    rel = mentorflow_factory.relationship()
    listener_b.muted.add(rel.id)  # muted for the other engine only
    assert other.available_transitions(rel, rel.mentor_id)[0].reasons == ("notes are muted",)
    assert mentorflow_engine.available_transitions(rel, rel.mentor_id)[0].allowed
    rel = mentorflow_engine.fire(rel, "sign_agreement", rel.mentor_id, SIGNATURE).relationship
    assert [rid for rid, _text in LISTENER_A.heard] == [rel.id] and listener_b.heard == []
    listener_b.muted.clear()
    other.fire(rel, "sign_agreement", rel.mentee_id, SIGNATURE)
    assert len(LISTENER_A.heard) == 1 and [rid for rid, _text in listener_b.heard] == [rel.id]


def test_a_choices_provider_gets_its_own_engines_hooks_and_query_api(
        mentorflow_engine: Engine, mentorflow_factory: Factory, second_engine: tuple[Engine, Listener]) -> None:
    other, listener_b = second_engine
    mentorflow_factory.programme(document=noted_workflow())
    rel = mentorflow_factory.relationship()
    listener_b.muted.add(rel.id)
    mentee = mentorflow_engine.display_names({rel.mentee_id})[rel.mentee_id]
    assert mentorflow_engine.form_choices(rel, rel.mentor_id, "agreement_signature") == {
        "notes.people": [(rel.mentee_id, mentee)]}
    assert other.form_choices(rel, rel.mentor_id, "agreement_signature") == {"notes.people": []}
    with pytest.raises(FormInvalid) as refused:  # checked against this engine's provider when fired
        mentorflow_engine.fire(rel, "sign_agreement", rel.mentor_id, {**SIGNATURE, "witness": rel.mentor_id})
    assert [p.pointer for p in refused.value.problems] == ["/witness"]
    mentorflow_engine.fire(rel, "sign_agreement", rel.mentor_id, {**SIGNATURE, "witness": rel.mentee_id})


class ContextChannel:
    """A channel reading through the engine that sends, as the Moodle channel does."""

    name = "context"

    def __init__(self) -> None:
        self.sent: list[tuple[str, Engine]] = []

    def send(self, message: Message, ctx: ChannelContext) -> None:
        self.sent.append((ctx.engine.person(message.recipient_id)["display_name"], ctx.engine))


def test_one_channel_object_serves_two_engines_each_through_its_own_context(
        mentorflow_engine: Engine, mentorflow_factory: Factory, second_engine: tuple[Engine, Listener]) -> None:
    other, _listener = second_engine
    channel = ContextChannel()
    mentorflow_engine.channels["context"] = other.channels["context"] = channel
    ada = mentorflow_factory.person("Ada")
    mentorflow_engine.notify(Message(ada, None, "en", "s", "b"), ("context",))
    other.notify(Message(ada, None, "en", "s", "b"), ("context",))
    assert channel.sent == [("Ada", mentorflow_engine), ("Ada", other)]


def test_an_effect_or_channel_written_for_the_old_signature_still_works_with_a_warning(
        tmp_path: Any) -> None:
    with pytest.warns(DeprecationWarning, match=r"effect 'old\.effect': apply\(event, connection, params\)"):
        @effect("old.effect")
        def old(event: Any, connection: Any, params: Mapping[str, Any]) -> None:
            event.extra["old"] = (event.before.id, connection.closed)

    class OldChannel:
        name = "old"
        sent: ClassVar[list[str]] = []

        def send(self, message: Message) -> None:
            self.sent.append(message.subject)

    class OldPlugin:
        @hookimpl
        def mentorflow_register_effects(self) -> list[Any]:
            return [old]

        @hookimpl
        def mentorflow_notification_channels(self) -> list[Any]:
            return [OldChannel()]

    with pytest.warns(DeprecationWarning, match=r"channel 'old': send\(message\) is deprecated"):
        engine = Engine(f"sqlite:///{tmp_path / 'old.db'}", clock=ManualClock(), plugins=[("old", OldPlugin())])
    try:
        engine.upgrade_database()
        factory = Factory(engine)
        document = base_workflow()
        next(t for t in document["transitions"] if t["id"] == "sign_agreement")["effects"] = [{"name": "old.effect"}]
        factory.programme(document=document)
        rel = factory.relationship()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # calling them warns no more: the adapter was made once
            event_rel = engine.fire(rel, "sign_agreement", rel.mentor_id, SIGNATURE).relationship
            assert engine.notify(Message(1, None, "en", "hello", "b"), ("old",)) == ["old"]
        assert event_rel.version == rel.version + 1 and OldChannel.sent == ["hello"]
    finally:
        engine.db.dispose()


def test_each_cli_group_built_gets_the_plugin_commands_once() -> None:
    from mentorflow.cli import MentorflowGroup, cli

    first = MentorflowGroup(name="first")
    second = MentorflowGroup(name="second")
    context = click.Context(first)
    listed = first.list_commands(context)
    assert "moodle" in listed and first.plugin_commands_loaded
    assert not second.plugin_commands_loaded and "moodle" in second.list_commands(click.Context(second))
    first.commands.pop("moodle")
    assert "moodle" not in first.list_commands(context)  # loaded once per group: not again
    assert "moodle" in cli.list_commands(click.Context(cli))
