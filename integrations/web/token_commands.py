"""``mentorflow token create|list|revoke``: API tokens for integrations and administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mentorflow.cli_help import LocalizedGroup
from mentorflow.i18n import _, _lazy

if TYPE_CHECKING:
    from mentorflow.engine import Engine


def _engine(database_url: str | None) -> Engine:
    from mentorflow.engine import Engine

    return Engine(database_url)


DATABASE = click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", help=_lazy("SQLAlchemy database URL."))


@click.group(cls=LocalizedGroup)
def token() -> None:
    """Manage API tokens (shown once, stored hashed)."""


@token.command("create")
@click.option("--name", required=True, help=_lazy("What the token is for."))
@click.option("--person", "person_id", type=int, help=_lazy("The person the token acts as."))
@click.option("--admin", is_flag=True, help=_lazy("An administrator token."))
@click.option("--programme", "programmes", multiple=True, help=_lazy("Limit to this programme (repeatable)."))
@DATABASE
def create(name: str, person_id: int | None, admin: bool, programmes: tuple[str, ...],
           database_url: str | None) -> None:
    """Create a token and print it once."""
    from mentorflow.tokens import create_token

    secret, info = create_token(_engine(database_url), name, person_id=person_id, admin=admin,
                                programmes=programmes or None)
    click.echo(secret)
    click.echo(_("Token {id} ({name}) created; store it now, it is not shown again.").format(id=info.id,
                                                                                          name=info.name), err=True)


@token.command("list")
@DATABASE
def list_command(database_url: str | None) -> None:
    """List tokens (never their secrets)."""
    from mentorflow.tokens import list_tokens

    for info in list_tokens(_engine(database_url)):
        scope = ",".join(info.programmes) if info.programmes is not None else "*"
        state = _("revoked") if info.revoked_at else _("active")
        used = info.last_used_at.isoformat() if info.last_used_at else "-"
        click.echo(f"{info.id}\tmf_{info.prefix}_…\t{info.name}\tadmin={info.is_admin}\tperson={info.person_id}\t"
                   f"{scope}\t{state}\t{used}")


@token.command("revoke")
@click.argument("token_id", type=int)
@DATABASE
def revoke(token_id: int, database_url: str | None) -> None:
    """Revoke a token by id."""
    from mentorflow.tokens import revoke_token

    revoke_token(_engine(database_url), token_id)
    click.echo(_("Token {id} revoked.").format(id=token_id))
