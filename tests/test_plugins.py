"""Plugin loading: entry points, built-ins as plugins, unknown hooks, duplicates, the plugins command."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mentorflow import ConfigurationError, Engine, guard, hookimpl
from mentorflow.pluginmanager import build_plugin_manager

BUILT_IN = {"guards", "log_channel"}


def test_built_in_plugins_come_from_the_entry_point_group() -> None:
    pm = build_plugin_manager()
    names = {row["name"] for row in pm.plugin_list()}
    assert names >= BUILT_IN
    rows = {row["name"]: row for row in pm.plugin_list()}
    assert rows["guards"]["distribution"].startswith("mentorflow ")
    assert "mentorflow_register_guards" in rows["guards"]["hooks"]


def test_disable_env_var_skips_a_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORFLOW_DISABLE_PLUGINS", "log_channel")
    names = {row["name"] for row in build_plugin_manager().plugin_list()}
    assert "log_channel" not in names and "guards" in names


class Misspelt:
    @hookimpl
    def mentorflow_before_transtion(self, event: Any, connection: Any) -> None:  # sic
        pass


class UnmarkedMisspelt:
    def mentorflow_regster_guards(self) -> list[Any]:  # sic, and without the marker
        return []


@pytest.mark.parametrize("plugin", [Misspelt(), UnmarkedMisspelt()])
def test_unknown_hook_is_reported_with_the_plugin_name(plugin: Any) -> None:
    with pytest.raises(ConfigurationError, match="Plugin 'typo-plugin' implements a hook mentorflow does not know"):
        build_plugin_manager([("typo-plugin", plugin)])


@guard("min_time_in_state")
def clash(ctx: Any, params: Any) -> None:
    return None


class Clashing:
    @hookimpl
    def mentorflow_register_guards(self) -> list[Any]:
        return [clash]


def test_two_plugins_registering_one_guard_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Guard 'min_time_in_state' is registered by both"):
        Engine(f"sqlite:///{tmp_path / 'x.db'}", plugins=[("clashing", Clashing())])


def test_third_party_plugin_installed_through_the_entry_point_group(tmp_path: Path) -> None:
    """A real distribution on sys.path with an entry point in the mentorflow group is loaded."""
    site = tmp_path / "site"
    (site / "mf_shout").mkdir(parents=True)
    (site / "mf_shout" / "__init__.py").write_text(textwrap.dedent('''
        from mentorflow import hookimpl

        class Shout:
            name = "shout"
            sent = []
            def send(self, message):
                self.sent.append(message.subject.upper())

        @hookimpl
        def mentorflow_notification_channels():
            return [Shout()]
    '''))
    dist = site / "mf_shout-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mf-shout\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[mentorflow]\nshout = mf_shout\n")
    script = textwrap.dedent(f'''
        import sys
        sys.path.insert(0, {str(site)!r})
        from mentorflow import Engine, Message
        engine = Engine("sqlite:///{tmp_path / 'p.db'}")
        print("shout" in engine.channels, "log" in engine.channels)
        engine.notify(Message(1, None, "en", "hello", "body"), channels=("shout",))
        import mf_shout
        print(mf_shout.Shout.sent)
    ''')
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert "True True" in out
    assert "['HELLO']" in out
    listing = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(site)!r}); "
                              "from mentorflow.cli import main; sys.argv=['mentorflow', 'plugins']; main()"],
                             capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert "shout  (mf-shout 1.0)" in listing.stdout
    assert "mentorflow_notification_channels" in listing.stdout


class Failing:
    name = "broken"

    def send(self, message: Any) -> None:
        raise ConnectionRefusedError("smtp down")


class FailingChannelPlugin:
    @hookimpl
    def mentorflow_notification_channels(self) -> list[Any]:
        return [Failing()]


def test_failing_channel_is_reported_by_name_after_trying_the_others(tmp_path: Path, caplog: Any) -> None:
    from mentorflow import Message, PluginError

    engine = Engine(f"sqlite:///{tmp_path / 'n.db'}", plugins=[("failing", FailingChannelPlugin())])
    caplog.set_level("INFO", logger="mentorflow.notifications")
    with pytest.raises(PluginError, match="Plugin 'broken' failed in send: ConnectionRefusedError: smtp down"):
        engine.notify(Message(1, None, "en", "Reflection due", "Please reflect"), channels=("broken", "log"))
    assert "Reflection due" in caplog.text
    with pytest.raises(ConfigurationError, match="No notification channel called 'pigeon'"):
        engine.notify(Message(1, None, "en", "s", "b"), channels=("pigeon",))


def test_addhooks_lets_a_plugin_add_hooks_that_others_implement(tmp_path: Path) -> None:
    import pluggy

    marker = pluggy.HookspecMarker("mentorflow")

    class Specs:
        @marker
        def mentorflow_greeting(self) -> str:  # type: ignore[empty-body]
            """A hook added by a plugin."""

    class Adder:
        @hookimpl
        def mentorflow_addhooks(self, pluginmanager: Any) -> None:
            pluginmanager.add_hookspecs(Specs)

    class Implementer:
        @hookimpl
        def mentorflow_greeting(self) -> str:
            return "hej"

    # The implementer is registered first: its hook is unknown until the adder runs.
    pm = build_plugin_manager([("implementer", Implementer()), ("adder", Adder())], load_entrypoints=False)
    assert pm.hook.mentorflow_greeting() == ["hej"]


def test_plugins_offer_programme_templates(tmp_path: Path) -> None:
    import json

    from mentorflow.registry import programme_templates
    from mentorflow.testing import default_workflow

    path = tmp_path / "buddy.json"
    path.write_text(json.dumps(default_workflow()))

    class Offers:
        @hookimpl
        def mentorflow_programme_templates(self) -> list[str]:
            return [str(path)]

    templates = programme_templates(build_plugin_manager([("offers", Offers())], load_entrypoints=False))
    assert "default" in templates and templates["buddy"] == path
