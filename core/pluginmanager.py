"""Building the pluggy plugin manager: built-ins and third parties alike come from entry points.

Every hook implementation is wrapped so that an exception names the plugin
that raised it (:class:`PluginError`), and a :class:`Veto` names the
plugin that vetoed. A database outage met inside a hook is not the plugin's
fault: it passes through unchanged (see :func:`mentorflow.db.database.is_outage`).
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Iterable
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from mentorflow import hookspecs
from mentorflow.db.database import is_outage
from mentorflow.errors import ConfigurationError, PluginError, UserError, Veto, Vetoed
from mentorflow.i18n import _

ENTRY_POINT_GROUP = "mentorflow"
DISABLE_ENV = "MENTORFLOW_DISABLE_PLUGINS"
"""Comma-separated plugin names not to load (for example ``log_channel``)."""


ONE_BY_ONE = frozenset({
    "mentorflow_register_guards", "mentorflow_register_effects", "mentorflow_register_choices",
    "mentorflow_after_transition", "mentorflow_programme_templates", "mentorflow_export_personal_data",
    "mentorflow_web_blueprints", "mentorflow_worker_tasks",
})
"""Hooks mentorflow calls one implementation at a time (:func:`implementations`), to tag or log each
result or failure with its plugin: a wrapper there would never run its generator, so it is refused at
registration. Every other hook is called through pluggy and supports wrappers (historic ones excepted)."""

ONE_BY_ONE_ATTRIBUTE = "ONE_BY_ONE"
"""A plugin's hookspec module that calls its own hooks one implementation at a time (with :func:`implementations`)
names them in a module attribute of this name, so wrappers on them are refused as on the core's."""


def plugin_failure(plugin: str, hook: str, error: Exception, *, user_errors: bool = False) -> Exception:
    """The exception to raise for ``error`` met in ``plugin``'s code for ``hook``: the one attribution rule.

    A database outage and an already attributed error pass through unchanged, a :class:`Veto` becomes
    :class:`Vetoed` naming the plugin, anything else a :class:`PluginError`. With ``user_errors`` a
    :class:`UserError` the plugin raised on purpose (an effect refusing) passes through too.
    Use as ``raise plugin_failure(...)`` inside the ``except`` block; the cause is set here.
    """
    if is_outage(error) or isinstance(error, PluginError | Vetoed) or (user_errors and isinstance(error, UserError)):
        return error
    failure: Exception = (Vetoed(plugin, error.reason) if isinstance(error, Veto)
                          else PluginError(plugin, hook, error))
    failure.__cause__ = error
    return failure


def _attributed(plugin: str, hook: str, function: Any) -> Any:
    """Wrap an implementation so its exceptions name the plugin (a Veto becomes Vetoed)."""

    @functools.wraps(function)
    def call(*args: Any) -> Any:
        try:
            return function(*args)
        except Exception as error:
            raise plugin_failure(plugin, hook, error)  # noqa: B904 - the cause is set by plugin_failure

    # A marker on the function object (so a second registration does not wrap it twice); a function's type
    # cannot declare extra attributes.
    call.__mentorflow_attributed__ = True  # type: ignore[attr-defined]
    return call


def _attribute_errors(pm: pluggy.PluginManager, plugin: object) -> None:
    name = pm.get_name(plugin) or repr(plugin)
    for caller in pm.get_hookcallers(plugin) or ():
        for impl in caller.get_hookimpls():
            # Wrappers are generators; their errors surface through the wrapped call.
            if (impl.plugin is plugin and not (impl.wrapper or impl.hookwrapper)
                    and not getattr(impl.function, "__mentorflow_attributed__", False)):
                # pluggy declares HookImpl.function read-only (Final); replacing it is how the attribution
                # reaches every call path, pluggy's own included.
                impl.function = _attributed(name, caller.name, impl.function)  # type: ignore[misc]


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with mentorflow's loading and error attribution."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.one_by_one: set[str] = set(ONE_BY_ONE)
        """Hooks called one implementation at a time: the core's plus those plugin hookspec modules name."""
        self.add_hookspecs(hookspecs)

    def add_hookspecs(self, module_or_class: ModuleType | type) -> None:
        super().add_hookspecs(module_or_class)
        declared = set(getattr(module_or_class, ONE_BY_ONE_ATTRIBUTE, ()))
        if not declared:
            return
        self.one_by_one |= declared
        # A plugin may have registered a wrapper on these hooks before their specs arrived: refuse it now.
        for name in sorted(declared):
            caller = getattr(self.hook, name, None)
            wrapping = [impl for impl in (caller.get_hookimpls() if caller is not None else ())
                        if impl.wrapper or impl.hookwrapper]
            if wrapping:
                raise self._wrapper_refused(wrapping[0].plugin_name, name)

    @staticmethod
    def _wrapper_refused(plugin: str, hook: str) -> ConfigurationError:
        return ConfigurationError(_(
            "Plugin '{plugin}' implements {hook} as a wrapper, which this hook does not support: "
            "mentorflow calls its implementations one at a time. Use a plain @hookimpl.").format(
            plugin=plugin, hook=hook))

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        # Like pytest: a ``mentorflow_*`` function is an implementation even
        # without the marker, so a misspelt name is caught by check_pending().
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith("mentorflow_") and callable(getattr(plugin, name, None)):
            return {}
        return opts

    def register(self, plugin: object, name: str | None = None) -> str | None:
        label = name or getattr(plugin, "__name__", None) or repr(plugin)
        try:
            result = super().register(plugin, name)
        except pluggy.PluginValidationError as error:  # a wrapper on a historic hook, an unknown argument
            raise ConfigurationError(_("Plugin '{plugin}' cannot be loaded: {error}").format(
                plugin=label, error=" ".join(str(error).split()))) from error
        for caller in self.get_hookcallers(plugin) or ():
            if caller.name in self.one_by_one and any(impl.plugin is plugin and (impl.wrapper or impl.hookwrapper)
                                                      for impl in caller.get_hookimpls()):
                self.unregister(plugin)
                raise self._wrapper_refused(label, caller.name)
        _attribute_errors(self, plugin)
        return result

    def plugin_list(self) -> list[dict[str, Any]]:
        """Loaded plugins with the hooks each implements (for ``mentorflow plugins``).

        ``needs`` lists the extras a plugin declares in ``NEEDS_EXTRAS`` that are not installed:
        the plugin is loaded, but the parts that use them say so when used.
        """
        from mentorflow.extras import needed_by

        rows = []
        dists = {id(p): d for p, d in self.list_plugin_distinfo()}
        for name, plugin in sorted(self.list_name_plugin(), key=lambda item: item[0]):
            hooks = sorted(c.name for c in self.get_hookcallers(plugin) or ())
            dist = dists.get(id(plugin))
            rows.append({
                "name": name,
                "module": getattr(plugin, "__name__", type(plugin).__name__),
                "distribution": f"{dist.project_name} {dist.version}" if dist else None,
                "hooks": hooks,
                "needs": [f"mentorflow[{extra}]" for extra in needed_by(plugin)],
            })
        return rows


def implementations(caller: pluggy.HookCaller) -> list[Any]:
    """A hook's plain implementations in pluggy's call order (wrappers left out).

    For hooks mentorflow calls one implementation at a time, so that a result
    or a failure can be attributed to its plugin.
    """
    return [impl for impl in reversed(caller.get_hookimpls()) if not (impl.wrapper or impl.hookwrapper)]


def call_one(impl: Any, **arguments: Any) -> Any:
    """Call one hook implementation with the arguments it names (pluggy passes them by position)."""
    return impl.function(*[arguments[name] for name in impl.argnames])


def _disabled() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def build_plugin_manager(
    plugins: Iterable[ModuleType | object | str | tuple[str, object]] = (),
    *,
    load_entrypoints: bool = True,
) -> PluginManager:
    """Make a plugin manager with entry-point plugins (unless disabled) plus ``plugins``.

    ``plugins`` may hold modules, objects, dotted module names, or
    ``(name, plugin)`` pairs to give an object a readable name. Unknown
    hook implementations (a misspelt ``mentorflow_*`` function) are
    reported here with the plugin's name.
    """
    pm = PluginManager()
    # Historic: every plugin registered from now on gets the call, so hookspecs a plugin adds
    # exist before unknown hook names are checked below.
    pm.hook.mentorflow_addhooks.call_historic(kwargs={"pluginmanager": pm})
    if load_entrypoints:
        disabled = _disabled()
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name in disabled or pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
            except Exception as error:
                raise ConfigurationError(
                    _("Plugin '{name}' ({value}) could not be loaded: {error}").format(
                        name=ep.name, value=ep.value, error=error)
                ) from error
            pm.register(plugin, name=ep.name)
            if ep.dist is not None:
                pm._plugin_distinfo.append((plugin, ep.dist))
    for item in plugins:
        name, plugin = item if isinstance(item, tuple) else (None, item)
        if isinstance(plugin, str):
            plugin = importlib.import_module(plugin)
        name = name or getattr(plugin, "__name__", None)
        if pm.is_registered(plugin) or (name and pm.get_plugin(name) is not None):
            continue
        pm.register(plugin, name=name)
    check_hook_names(pm)
    return pm


def check_hook_names(pm: pluggy.PluginManager) -> None:
    """Raise a :class:`ConfigurationError` for every implementation of an unknown hook."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        plugin_name = pm.get_name(error.plugin) or repr(error.plugin)
        raise ConfigurationError(
            _("Plugin '{plugin}' implements a hook mentorflow does not know: {error}").format(
                plugin=plugin_name, error=error)
        ) from error
