"""Click commands whose help is translated when it is shown, not when the module is imported.

Option help texts are marked with :func:`mentorflow.i18n._lazy`. Click cleans
help text into a plain ``str`` when an option is made, so the translation is
looked up again here, at ``--help`` time, in the locale then in force (the
``--locale`` option has run by then). A command's own help is its docstring:
``scripts/i18n.py extract`` takes every command's docstring as a message, and
it is translated here the same way (in ``--help`` and in a group's list of
commands). Every built-in command and group uses
:class:`LocalizedCommand` or :class:`LocalizedGroup` (``tests/test_i18n_lazy.py``
checks the whole command tree).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from gettext import gettext as click_gettext  # what click translates its own "Options" heading with
from typing import TYPE_CHECKING, Any

import click

from mentorflow.i18n import DEFAULT_LOCALE, _, gettext_at_render, normalise_locale, supported_locales


def _translated_record(param: click.Parameter, record: tuple[str, str]) -> tuple[str, str]:
    spec, text = record
    msgid = getattr(param, "help", None)
    # The record is the help text plus click's own "  [default: ...]" suffix: translate only our part.
    if msgid and text.startswith(msgid):
        text = gettext_at_render(msgid) + text[len(msgid):]
    return spec, text


def translated_help(text: str | None) -> str | None:
    """A command's help (its docstring) in the current locale; the part after a form feed is click's and stays."""
    if not text:
        return text
    shown, feed, hidden = inspect.cleandoc(text).partition("\f")
    return gettext_at_render(shown.rstrip()) + feed + hidden


class LocalizedHelp:
    """Mixin for a :class:`click.Command`: render its help and each option's help in the current locale."""

    @contextmanager
    def _help_in_locale(self) -> Iterator[None]:
        # click reads ``self.help`` and ``self.short_help`` while formatting; show it the translation meanwhile.
        command: Any = self
        kept = command.help, command.short_help
        command.help, command.short_help = translated_help(kept[0]), translated_help(kept[1])
        try:
            yield
        finally:
            command.help, command.short_help = kept

    # click.Group inherits both from click.Command unchanged, so calling Command's is the same for both.
    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        command: Any = self
        with self._help_in_locale():
            click.Command.format_help_text(command, ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        command: Any = self
        with self._help_in_locale():
            return click.Command.get_short_help_str(command, limit)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        command: Any = self
        rows = [_translated_record(param, record) for param in command.get_params(ctx)
                if not isinstance(param, click.Argument) and (record := param.get_help_record(ctx)) is not None]
        if rows:
            with formatter.section(click_gettext("Options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class LocalizedCommand(LocalizedHelp, click.Command):
    """A command whose option help follows the locale at ``--help`` time."""


class LocalizedGroup(LocalizedHelp, click.Group):
    """A group whose option help follows the locale; ``@group.command()`` and ``@group.group()`` make localized ones."""

    command_class = LocalizedCommand


# Sub-groups made with ``@group.group()`` are plain localized groups (not a subclass needing extra arguments).
LocalizedGroup.group_class = LocalizedGroup


if TYPE_CHECKING:
    _StrParam = click.ParamType[str]
else:  # click before 8.2 has no generic ParamType at run time
    _StrParam = click.ParamType


class LocaleType(_StrParam):
    """A ``--locale`` value: one of :func:`~mentorflow.i18n.supported_locales` (``da``, ``da_DK.UTF-8`` or ``da-DK``).

    The choices are asked for when the help is shown and when a value is checked, so a new catalogue is a new
    choice without a change here; anything else fails with exit code 2 and the list of choices.
    """

    name = "locale"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "[" + "|".join(supported_locales()) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        code = normalise_locale(text)
        # normalise_locale answers English for a language it does not speak: only a real "en..." counts.
        if code in supported_locales() and (code != DEFAULT_LOCALE or text.lower().startswith(code)):
            return code
        self.fail(_("{value} is not a language mentorflow speaks; choose one of: {locales}.").format(
            value=repr(text), locales=", ".join(supported_locales())), param, ctx)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(code) for code in supported_locales() if code.startswith(incomplete)]


LOCALE = LocaleType()
