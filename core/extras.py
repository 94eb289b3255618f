"""Optional extras: which importable modules each ``mentorflow[extra]`` brings, and a clear error when one is missing.

A plain ``pip install mentorflow`` has everything the engine, the demo, the
web service, matching and calendars need. The LMS integrations and the
server-side services are extras; a plugin that uses one imports it lazily,
stays loaded without it, declares it in ``NEEDS_EXTRAS`` (so
``mentorflow plugins`` can say "needs mentorflow[moodle]"), and calls
:func:`require` (or :func:`load`) where the missing part is used. The user
then reads which extra to install, as exit code 2 on the command line and a
problem+json 503 on the web, never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import click

from mentorflow.cli_help import LocalizedGroup
from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _

EXTRAS: dict[str, tuple[str, ...]] = {
    "moodle": ("httpx", "joserfc"),
    "postgres": ("psycopg",),
    "redis": ("redis",),
    "openedx": ("xblock", "web_fragments", "webob"),
}
"""Extra name -> the top-level modules it must make importable (pyproject.toml's optional-dependencies)."""


class MissingExtra(ConfigurationError):
    """A feature was used whose optional dependencies are not installed; names the extra to install."""

    status = 503
    kind = "missing-extra"

    def __init__(self, extra: str, feature: str, modules: Iterable[str]) -> None:
        self.extra = extra
        self.feature = feature
        self.modules = tuple(modules)
        super().__init__(_("{feature} needs mentorflow[{extra}], which is not installed (missing: {modules}). "
                           "Install it with: pip install \"mentorflow[{extra}]\"").format(
            feature=feature, extra=extra, modules=", ".join(self.modules)))

    def title(self) -> str:
        return _("An optional part of mentorflow is not installed")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (empty when the extra is installed)."""
    return [module for module in EXTRAS[extra] if not _importable(module)]


def require(extra: str, feature: str) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` is importable.

    ``feature`` is what the user tried to use, in their language ("The Moodle channel").
    """
    absent = missing(extra)
    if absent:
        raise MissingExtra(extra, feature, absent)


def load(extra: str, module: str, feature: str) -> ModuleType:
    """Import ``module`` (part of ``extra``) or raise :class:`MissingExtra` naming the extra."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        # error.name is the module actually missing (the extra's own dependency, say cryptography, too).
        raise MissingExtra(extra, feature, [error.name or module]) from None


def needed_by(plugin: object) -> list[str]:
    """The extras ``plugin`` declares in ``NEEDS_EXTRAS`` that are not installed here."""
    return [extra for extra in getattr(plugin, "NEEDS_EXTRAS", ()) if missing(extra)]


class NeedsExtraGroup(LocalizedGroup):
    """A command group whose commands need ``extra``: running one without it is exit code 2 naming the extra.

    Help (``--help`` anywhere after the group) still works, so the commands can be read about before installing.
    ``feature`` is called when the message is made, so it is in the user's language (``lambda: _("The LTI tool")``).
    """

    def __init__(self, *args: Any, extra: str, feature: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra = extra
        self.feature = feature

    def invoke(self, ctx: click.Context) -> Any:
        if not {"-h", "--help"} & set(ctx.args):
            require(self.extra, self.feature())
        return super().invoke(ctx)
