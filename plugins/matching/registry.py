"""Which scorers and constraints a plugin manager offers: the built-ins plus every plugin's.

The hookspecs are added through the core's historic ``mentorflow_addhooks``
as the plugin registers, together with :class:`MatchingRegistry`, a small
per-plugin-manager plugin that checks ``settings.matching`` against that
manager's scorers (``mentorflow_check_workflow`` gets no plugin manager).
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from mentorflow import Problem, hookimpl
from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _
from mentorflow.pluginmanager import call_one, implementations

from . import hookspecs

if TYPE_CHECKING:
    from .specs import ConstraintSpec, ScorerSpec

Spec = TypeVar("Spec", "ScorerSpec", "ConstraintSpec")

AVAILABLE = all(find_spec(name) is not None for name in ("numpy", "scipy", "ortools"))
"""numpy, scipy and ortools (base dependencies, and the ``matching`` extra) are installed. Without them this
module, the hookspecs and the tables still load (so an install without them keeps working); scoring does not."""


def ensure_hookspecs(pm: pluggy.PluginManager) -> None:
    """Add the matching hookspecs to ``pm`` unless they are there already (idempotent)."""
    caller = getattr(pm.hook, "mentorflow_match_scorers", None)
    if caller is None or not caller.has_spec():
        pm.add_hookspecs(hookspecs)


def _collect(pm: pluggy.PluginManager, hook_name: str, built_in: tuple[Spec, ...], kind: str) -> dict[str, Spec]:
    ensure_hookspecs(pm)
    found: dict[str, Spec] = {spec.name: _tagged(spec, "matching") for spec in built_in}
    claimed: dict[str, str] = {}
    # In registration order (pluggy calls the last registered first), as the clash message names them.
    for impl in reversed(implementations(getattr(pm.hook, hook_name))):
        for spec in call_one(impl) or ():
            if any(spec is b for b in built_in):
                continue
            if spec.name in claimed:
                raise ConfigurationError(_("Matching {kind} '{name}' is registered by both '{a}' and '{b}'.").format(
                    kind=kind, name=spec.name, a=claimed[spec.name], b=impl.plugin_name))
            # A plugin's spec replaces a built-in of the same name: that is how scoring is replaced.
            claimed[spec.name] = impl.plugin_name
            found[spec.name] = _tagged(spec, impl.plugin_name)
    return found


def _tagged(spec: Spec, plugin: str) -> Spec:
    return type(spec)(spec.name, spec.function, spec.params_schema, spec.description, spec.fields,
                      spec.plugin or plugin)


def scorers(pm: pluggy.PluginManager) -> dict[str, ScorerSpec]:
    """Every criterion by name (built-in or from a plugin)."""
    from .scorers import BUILT_IN

    return _collect(pm, "mentorflow_match_scorers", BUILT_IN, _("criterion"))


def constraints(pm: pluggy.PluginManager) -> dict[str, ConstraintSpec]:
    """Every hard constraint by name (built-in or from a plugin)."""
    from .constraints import BUILT_IN

    return _collect(pm, "mentorflow_match_constraints", BUILT_IN, _("constraint"))


REGISTRY_PLUGIN = "matching.registry"


class MatchingRegistry:
    """A per-plugin-manager helper plugin: it checks ``settings.matching`` against *that* manager's scorers."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    @hookimpl(trylast=True)
    def mentorflow_check_workflow(self, workflow: Any, document: dict[str, Any]) -> list[Any]:
        from .settings import BASE, check_settings, uses_matching

        if not uses_matching(document):
            return []
        if not AVAILABLE:
            return [Problem(BASE, _("matching needs numpy, scipy and ortools: pip install 'mentorflow[matching]'"))]
        return check_settings(document, scorers(self.pm), constraints(self.pm))


def install(pm: pluggy.PluginManager) -> None:
    """Add the hookspecs and the registry helper to ``pm`` once."""
    ensure_hookspecs(pm)
    if pm.get_plugin(REGISTRY_PLUGIN) is None:
        pm.register(MatchingRegistry(pm), name=REGISTRY_PLUGIN)
