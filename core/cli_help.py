"""Click commands whose option help is translated when it is shown, not when the module is imported.

Option help texts are marked with :func:`mentorflow.i18n._lazy`. Click cleans
help text into a plain ``str`` when an option is made, so the translation is
looked up again here, at ``--help`` time, in the locale then in force (the
``--locale`` option has run by then). Every built-in command and group uses
:class:`LocalizedCommand` or :class:`LocalizedGroup` (``tests/test_i18n_lazy.py``
checks the whole command tree).
"""

from __future__ import annotations

from gettext import gettext as click_gettext  # what click translates its own "Options" heading with
from typing import Any

import click

from mentorflow.i18n import gettext_at_render


def _translated_record(param: click.Parameter, record: tuple[str, str]) -> tuple[str, str]:
    spec, text = record
    msgid = getattr(param, "help", None)
    # The record is the help text plus click's own "  [default: ...]" suffix: translate only our part.
    if msgid and text.startswith(msgid):
        text = gettext_at_render(msgid) + text[len(msgid):]
    return spec, text


class LocalizedHelp:
    """Mixin for a :class:`click.Command`: render each option's help in the current locale."""

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
