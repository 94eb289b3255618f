"""What the loaded plugins contribute: guards, effects, choices providers and the workflow loader built on them."""

from __future__ import annotations

from typing import Any

from pluggy import HookImpl

from mentorflow.choices import ChoicesSpec
from mentorflow.effects import EffectSpec
from mentorflow.errors import ConfigurationError, Problem
from mentorflow.guards import GuardSpec
from mentorflow.i18n import _
from mentorflow.pluginmanager import PluginManager
from mentorflow.workflow.loader import WorkflowLoader
from mentorflow.workflow.model import Workflow


def _returned(impl: HookImpl) -> list[Any]:
    """What one implementation of a registration hook returns: pluggy types it as ``object``, the hookspec as a
    list (or None for nothing)."""
    result: Any = impl.function()
    return list(result or ())


def collect_guards(pm: PluginManager) -> dict[str, GuardSpec]:
    """Every guard of every plugin, tagged with the plugin's name; a name used twice is an error."""
    guards: dict[str, GuardSpec] = {}
    for impl in pm.hook.mentorflow_register_guards.get_hookimpls():
        for spec in _returned(impl):
            if spec.name in guards:
                raise ConfigurationError(_("Guard '{name}' is registered by both '{a}' and '{b}'.").format(
                    name=spec.name, a=guards[spec.name].plugin, b=impl.plugin_name))
            guards[spec.name] = GuardSpec(spec.name, spec.check, spec.params_schema, spec.description,
                                          spec.needs_data, impl.plugin_name)
    return guards


def collect_effects(pm: PluginManager) -> dict[str, EffectSpec]:
    """Every effect of every plugin, tagged with the plugin's name; a name used twice is an error."""
    effects: dict[str, EffectSpec] = {}
    for impl in pm.hook.mentorflow_register_effects.get_hookimpls():
        for spec in _returned(impl):
            if spec.name in effects:
                raise ConfigurationError(_("Effect '{name}' is registered by both '{a}' and '{b}'.").format(
                    name=spec.name, a=effects[spec.name].plugin, b=impl.plugin_name))
            effects[spec.name] = EffectSpec(spec.name, spec.apply, spec.params_schema, spec.description,
                                            impl.plugin_name, spec.precondition)
    return effects


def collect_choices(pm: PluginManager) -> dict[str, ChoicesSpec]:
    """Every choices provider of every plugin, tagged with the plugin's name; a name used twice is an error."""
    providers: dict[str, ChoicesSpec] = {}
    for impl in pm.hook.mentorflow_register_choices.get_hookimpls():
        for spec in _returned(impl):
            if spec.name in providers:
                raise ConfigurationError(_("Choices '{name}' are registered by both '{a}' and '{b}'.").format(
                    name=spec.name, a=providers[spec.name].plugin, b=impl.plugin_name))
            providers[spec.name] = ChoicesSpec(spec.name, spec.options, spec.description, impl.plugin_name)
    return providers


def make_loader(pm: PluginManager, guards: dict[str, GuardSpec] | None = None,
                effects: dict[str, EffectSpec] | None = None,
                choices: dict[str, ChoicesSpec] | None = None) -> WorkflowLoader:
    """A workflow loader that knows the plugins' guards, effects, choices providers and semantic checks."""

    def plugin_checks(workflow: Workflow, document: dict[str, Any]) -> list[Problem]:
        from mentorflow import policy, retention

        # The core's own programme settings: who sees content, and how long closed content is kept.
        problems: list[Problem] = [*policy.settings_problems(document), *retention.settings_problems(document)]
        for result in pm.hook.mentorflow_check_workflow(workflow=workflow, document=document):
            problems.extend(result or ())
        return problems

    return WorkflowLoader(collect_guards(pm) if guards is None else guards, plugin_checks,
                          collect_effects(pm) if effects is None else effects,
                          collect_choices(pm) if choices is None else choices)


def programme_templates(pm: PluginManager) -> dict[str, Any]:
    """Built-in templates plus those plugins offer (``mentorflow_programme_templates``), by name."""
    from pathlib import Path

    from mentorflow.schemas import template_paths

    templates: dict[str, Any] = dict(template_paths())
    for impl in pm.hook.mentorflow_programme_templates.get_hookimpls():
        for path in _returned(impl):
            name = Path(str(getattr(path, "name", path))).name.removesuffix(".json")
            key = name if name not in templates else f"{impl.plugin_name}:{name}"
            templates[key] = Path(path) if isinstance(path, str) else path
    return templates
