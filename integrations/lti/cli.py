"""``mentorflow lti ...``: register platforms, invite dynamic registrations, rotate keys, sync rosters, grades."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from mentorflow.errors import UserError
from mentorflow.extras import NeedsExtraGroup
from mentorflow.i18n import _, _lazy

if TYPE_CHECKING:
    from mentorflow.engine import Engine

DATABASE = click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", help=_lazy("SQLAlchemy database URL."))
BASE_URL = click.option("--base-url", envvar="MENTORFLOW_BASE_URL",
                        help=_lazy("mentorflow's public address, e.g. https://mentoring.example.edu (env "
                               "MENTORFLOW_BASE_URL)."))
FORMAT = click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)


def _engine(database_url: str | None) -> Engine:
    from mentorflow.engine import Engine

    return Engine(database_url)


def _base(base_url: str | None) -> str:
    if not base_url:
        raise UserError(_("Give --base-url (or set MENTORFLOW_BASE_URL): platforms need mentorflow's public "
                          "address."))
    return base_url.rstrip("/")


def _role_map(pairs: tuple[str, ...]) -> dict[str, str] | None:
    if not pairs:
        return None
    out = {}
    for pair in pairs:
        role, sep, target = pair.partition("=")
        if not sep:
            raise UserError(_("--role-map takes ROLE=TARGET, e.g. Learner=mentee, not '{value}'.").format(value=pair))
        out[role.strip()] = target.strip()
    return out


@click.group(cls=NeedsExtraGroup, extra="moodle", feature=lambda: _("The LTI tool"))
def lti() -> None:
    """The LTI 1.3 tool: platforms, keys, course rosters and grades."""


@lti.command("register")
@click.option("--issuer", required=True, help=_lazy("The platform's issuer (Moodle: its wwwroot)."))
@click.option("--client-id", required=True, help=_lazy("The client id the platform gave mentorflow."))
@click.option("--deployment-id", "deployments", multiple=True, help=_lazy("A deployment id (repeatable)."))
@click.option("--auth-login-url", required=True, help=_lazy("OIDC authentication URL (Moodle: /mod/lti/auth.php)."))
@click.option("--token-url", required=True, help=_lazy("OAuth2 token URL (Moodle: /mod/lti/token.php)."))
@click.option("--jwks-url", required=True, help=_lazy("Public keyset URL (Moodle: /mod/lti/certs.php)."))
@click.option("--token-audience", help=_lazy("Audience of client assertions when not the token URL."))
@click.option("--name", help=_lazy("A name for the platform."))
@click.option("--programme", "programmes", multiple=True,
              help=_lazy("Only these programmes may be linked from its courses (repeatable; default: all)."))
@click.option("--role-map", "role_map", multiple=True,
              help=_lazy("LTI role to mentorflow role, e.g. Learner=mentee (repeatable)."))
@FORMAT
@DATABASE
def register(issuer: str, client_id: str, deployments: tuple[str, ...], auth_login_url: str, token_url: str,
             jwks_url: str, token_audience: str | None, name: str | None, programmes: tuple[str, ...],
             role_map: tuple[str, ...], output: str, database_url: str | None) -> None:
    """Register a platform by hand (or add deployments to one already registered)."""
    from .platforms import register_platform

    platform = register_platform(_engine(database_url), issuer=issuer, client_id=client_id,
                                 auth_login_url=auth_login_url, auth_token_url=token_url, jwks_url=jwks_url,
                                 deployment_ids=list(deployments), name=name, token_audience=token_audience,
                                 role_map=_role_map(role_map), programmes=list(programmes) or None)
    if output == "json":
        click.echo(json.dumps(platform.as_dict(), indent=2))
        return
    click.echo(_("Platform {id} registered: {issuer} (client {client}), deployments: {deployments}").format(
        id=platform.id, issuer=platform.issuer, client=platform.client_id,
        deployments=", ".join(d.deployment_id for d in platform.deployments) or "-"))


@lti.command("platforms")
@FORMAT
@DATABASE
def platforms(output: str, database_url: str | None) -> None:
    """List registered platforms and their deployments."""
    from .platforms import list_platforms

    found = list_platforms(_engine(database_url))
    if output == "json":
        click.echo(json.dumps([p.as_dict() for p in found], indent=2))
        return
    if not found:
        click.echo(_("No platform is registered yet."))
    for p in found:
        click.echo(f"{p.id}\t{p.name}\t{p.issuer}\tclient={p.client_id}")
        for d in p.deployments:
            allowed = ", ".join(d.programmes) if d.programmes is not None else _("all programmes")
            click.echo("\t" + _("deployment {id}: {programmes}").format(id=d.deployment_id, programmes=allowed))


@lti.command("remove")
@click.argument("platform_id", type=int)
@DATABASE
def remove(platform_id: int, database_url: str | None) -> None:
    """Remove a platform with its deployments and course links."""
    from .platforms import remove_platform

    remove_platform(_engine(database_url), platform_id)
    click.echo(_("Platform {id} removed.").format(id=platform_id))


@lti.command("registration-link")
@click.option("--programme", "programmes", multiple=True,
              help=_lazy("Only these programmes may be linked from the platform's courses (repeatable)."))
@click.option("--name", help=_lazy("A name for the platform."))
@click.option("--days", type=click.IntRange(1, 90), default=7, show_default=True, help=_lazy("Days the link is valid."))
@BASE_URL
@DATABASE
def registration_link(programmes: tuple[str, ...], name: str | None, days: int, base_url: str | None,
                      database_url: str | None) -> None:
    """A single-use address for the platform's dynamic registration ("Register tool" in Moodle)."""
    from .registration import invite

    base = _base(base_url)
    token = invite(_engine(database_url), programmes=list(programmes) or None, name=name,
                   lifetime=timedelta(days=days))
    click.echo(f"{base}/lti/register/{token}")


@lti.command("urls")
@BASE_URL
def urls(base_url: str | None) -> None:
    """The addresses to enter when registering mentorflow by hand."""
    base = _base(base_url)
    for label, path in ((_("Tool URL / target link URI"), "/lti/launch"), (_("Initiate login URL"), "/lti/login"),
                        (_("Redirection URI(s)"), "/lti/launch"), (_("Public keyset URL"), "/lti/jwks"),
                        (_("Content selection URL (deep linking)"), "/lti/launch")):
        click.echo(f"{label}: {base}{path}")


@lti.group("keys")
def keys() -> None:
    """The tool's signing keys (published at /lti/jwks)."""


@keys.command("list")
@DATABASE
def keys_list(database_url: str | None) -> None:
    """List the tool's keys: active, retired (still published) and expired."""
    from .keys import list_keys

    engine = _engine(database_url)
    now = engine.clock.now()
    for key in list_keys(engine):
        status = (_("active") if key.active else _("retired, published until {when}").format(
            when=key.expires_at.isoformat()) if key.expires_at and key.expires_at > now else _("expired"))
        click.echo(f"{key.kid}\t{key.created_at.isoformat()}\t{status}")


@keys.command("rotate")
@click.option("--grace-days", type=click.FloatRange(0, 365), default=7, show_default=True,
              help=_lazy("Days the old key stays in the published key set."))
@DATABASE
def keys_rotate(grace_days: float, database_url: str | None) -> None:
    """Make a new signing key; the old one stays published for the grace period."""
    from .keys import rotate

    key = rotate(_engine(database_url), timedelta(days=grace_days))
    click.echo(_("New signing key {kid}; the previous key stays published for {days} days.").format(
        kid=key.kid, days=f"{grace_days:g}"))


@lti.command("contexts")
@FORMAT
@DATABASE
def contexts(output: str, database_url: str | None) -> None:
    """Courses linked to programmes."""
    from .contexts import contexts_of

    found = contexts_of(_engine(database_url))
    if output == "json":
        click.echo(json.dumps([c.as_dict() for c in found], indent=2))
        return
    for c in found:
        click.echo(f"{c.id}\t{c.programme_key}\t{c.title or c.context_id}\t"
                   + (_("roster synced {when}").format(when=c.roster_synced_at.isoformat()) if c.roster_synced_at
                      else _("roster never synced")))


@lti.command("sync-roster")
@click.option("--context", "context_rows", type=int, multiple=True,
              help=_lazy("A linked course id (see lti contexts)."))
@click.option("--programme", help=_lazy("Every course linked to this programme."))
@FORMAT
@DATABASE
def sync_roster_command(context_rows: tuple[int, ...], programme: str | None, output: str,
                        database_url: str | None) -> None:
    """Import course rosters (Names and Role Provisioning) as programme participants."""
    from .contexts import contexts_of
    from .nrps import sync_roster

    engine = _engine(database_url)
    programme_id = engine.programme_id(programme) if programme else None
    chosen = [c for c in contexts_of(engine, programme_id=programme_id)
              if (not context_rows or c.id in context_rows) and c.memberships_url]
    if not chosen:
        raise UserError(_("No linked course with a roster service matches; launch the activity once from the "
                          "course first."))
    reports: list[dict[str, Any]] = []
    for context in chosen:
        label = _("Course {title}").format(title=context.title or context.context_id)

        def progress(members: Any, total: int, label: str = label) -> Any:
            with click.progressbar(members, length=total, label=label, file=sys.stderr) as bar:
                yield from bar

        report = sync_roster(engine, context.id, progress=progress)
        reports.append(report.as_dict())
        if output == "text":
            click.echo(_("{title}: {members} members ({created} new, {inactive} inactive) from {pages} page(s)").format(
                title=context.title or context.context_id, members=report.members, created=report.created,
                inactive=report.inactive, pages=report.pages))
    if output == "json":
        click.echo(json.dumps(reports, indent=2))


@lti.command("form-groups")
@click.option("--context", "context_rows", type=int, multiple=True,
              help=_lazy("A linked course id (see lti contexts)."))
@click.option("--programme", required=True, help=_lazy("The group or circle programme the courses are linked to."))
@click.option("--coordinator", "coordinator", type=int, default=None,
              help=_lazy("Act as this coordinator (a person id): people who joined a group since are added."))
@FORMAT
@DATABASE
def form_groups_command(context_rows: tuple[int, ...], programme: str, coordinator: int | None, output: str,
                        database_url: str | None) -> None:
    """Form circles and groups from course groups: one relationship per group, within the format's bounds."""
    from mentorflow.actors import SYSTEM

    from .contexts import contexts_of
    from .groups import form_circles

    engine = _engine(database_url)
    chosen = [c for c in contexts_of(engine, programme_id=engine.programme_id(programme))
              if (not context_rows or c.id in context_rows) and c.memberships_url]
    if not chosen:
        raise UserError(_("No linked course with a roster service matches; launch the activity once from the "
                          "course first."))
    results = []
    for context in chosen:
        for outcome in form_circles(engine, context.id, SYSTEM if coordinator is None else coordinator):
            results.append({"context": context.id, **outcome.as_dict()})
            if output == "text":
                click.echo(outcome.reason or _("Group '{name}': {outcome}, relationship {id}").format(
                    name=outcome.name, outcome=outcome.outcome, id=outcome.relationship))
    if output == "json":
        click.echo(json.dumps(results, indent=2))


@lti.command("grades")
@click.option("--retry", is_flag=True, help=_lazy("Publish failed grades again."))
@click.option("--deliver", is_flag=True, help=_lazy("Send the owed grades now (what the worker does)."))
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]),
              help=_lazy("Only grades with this status."))
@DATABASE
def grades(retry: bool, deliver: bool, status: str | None, database_url: str | None) -> None:
    """Grades owed and published to course gradebooks (Assignment and Grade Services)."""
    from .ags import deliver_grades, retry_failed, scores

    engine = _engine(database_url)
    if retry:
        click.echo(_("{n} grade(s) published.").format(n=retry_failed(engine)))
        return
    if deliver:
        click.echo(_("{n} grade(s) published.").format(n=deliver_grades(engine).sent))
        return
    for row in scores(engine, status):
        click.echo(f"{row['relationship_id']}\t{row['person_id']}\t{row['score_given']:g}/{row['score_maximum']:g}"
                   f"\t{row['activity_progress']}\t{row['status']}" + (f"\t{row['last_error']}"
                                                                         if row["last_error"] else ""))
