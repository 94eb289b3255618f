"""``mentorflow moodle ...``: sites, a token check, cohort imports, Mentor role sync and user look-ups."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from mentorflow.cli_help import LocalizedGroup
from mentorflow.i18n import _, _lazy

if TYPE_CHECKING:
    from mentorflow.engine import Engine

DATABASE = click.option("--database-url", envvar="MENTORFLOW_DATABASE_URL", help=_lazy("SQLAlchemy database URL."))
SITE = click.option("--site", help=_lazy("The Moodle site (id or URL; default: the only one)."))


def _engine(database_url: str | None) -> Engine:
    from mentorflow.engine import Engine

    return Engine(database_url)


@click.group(cls=LocalizedGroup)
def moodle() -> None:
    """Moodle Web Services: sites, cohorts, Mentor roles."""


@moodle.command("add-site")
@click.argument("url")
@click.option("--token", envvar="MENTORFLOW_MOODLE_TOKEN", required=True,
              help=_lazy("The Web Services token (env MENTORFLOW_MOODLE_TOKEN)."))
@click.option("--mentor-role-id", type=int, help=_lazy("Id of the site's user-context Mentor role, to mirror mentors."))
@DATABASE
def add_site(url: str, token: str, mentor_role_id: int | None, database_url: str | None) -> None:
    """Add a Moodle site (its wwwroot) or change its token and Mentor role."""
    from .sites import add_site as add

    site = add(_engine(database_url), url, token, mentor_role_id)
    click.echo(_("Moodle site {id}: {url}").format(id=site.id, url=site.url))


@moodle.command("sites")
@DATABASE
def sites(database_url: str | None) -> None:
    """List the configured Moodle sites."""
    from .sites import list_sites

    for site in list_sites(_engine(database_url)):
        role = site.mentor_role_id if site.mentor_role_id is not None else "-"
        click.echo(f"{site.id}\t{site.url}\t" + _("mentor role {role}").format(role=role))


@moodle.command("check")
@SITE
@DATABASE
def check(site: str | None, database_url: str | None) -> None:
    """Call the site with its token and list the functions mentorflow needs that the token lacks."""
    from .sites import FUNCTIONS, get_site

    info = get_site(_engine(database_url), site)
    with info.client() as client:
        answer = client.site_info()
    allowed = {f.get("name") for f in answer.get("functions", [])}
    click.echo(_("Connected to {site} as {user}.").format(site=answer.get("sitename", info.url),
                                                           user=answer.get("username", "?")))
    missing = [f for f in FUNCTIONS if f not in allowed]
    if missing:
        click.echo(_("Add these functions to the external service: {functions}").format(functions=", ".join(missing)))
    else:
        click.echo(_("The token may call every function mentorflow uses."))


@moodle.command("import-cohort")
@click.option("--programme", required=True, help=_lazy("The programme key."))
@click.option("--cohort", required=True, help=_lazy("The cohort's id, idnumber or name."))
@click.option("--role", type=click.Choice(["mentee", "mentor"]), required=True,
              help=_lazy("The role its members get in the programme."))
@SITE
@DATABASE
def import_cohort_command(programme: str, cohort: str, role: str, site: str | None, database_url: str | None) -> None:
    """Enrol a Moodle cohort's members in a programme as mentees or mentors."""
    from .cohorts import import_cohort
    from .sites import get_site

    engine = _engine(database_url)

    def progress(members: Any, total: int) -> Any:
        with click.progressbar(members, length=total, label=_("Cohort members"),
                               file=sys.stderr) as bar:
            yield from bar

    report = import_cohort(engine, get_site(engine, site), programme, cohort, role, progress=progress)
    click.echo(_("Cohort {cohort}: {members} members, {created} new people, {granted} given the role {role}.").format(
        cohort=report.cohort, members=report.members, created=report.created, granted=report.granted, role=role))


@moodle.command("form-groups")
@click.option("--programme", required=True, help=_lazy("The group or circle programme."))
@click.option("--course", "course_id", type=int, required=True, help=_lazy("The Moodle course id."))
@click.option("--coordinator", type=int, default=None,
              help=_lazy("Act as this coordinator (a person id): people who joined a group since are added."))
@SITE
@DATABASE
def form_groups_command(programme: str, course_id: int, coordinator: int | None, site: str | None,
                        database_url: str | None) -> None:
    """Form circles and groups from a Moodle course's groups: one relationship per group, within the bounds."""
    from mentorflow.actors import SYSTEM

    from .groups import form_circles
    from .sites import get_site

    engine = _engine(database_url)
    outcomes, unknown = form_circles(engine, get_site(engine, site), programme, course_id,
                                     SYSTEM if coordinator is None else coordinator)
    for outcome in outcomes:
        click.echo(outcome.reason or _("Group '{name}': {outcome}, relationship {id}").format(
            name=outcome.name, outcome=outcome.outcome, id=outcome.relationship))
    if unknown:
        click.echo(_("{n} group members are not known to mentorflow yet; import their cohort first.").format(
            n=unknown))


@moodle.command("sync-mentors")
@click.option("--list", "show", is_flag=True, help=_lazy("Only list the queue."))
@DATABASE
def sync_mentors(show: bool, database_url: str | None) -> None:
    """Send queued Mentor role assignments to Moodle (the worker does this too)."""
    from .mentor_roles import process_pending, queued

    engine = _engine(database_url)
    if show:
        for row in queued(engine):
            click.echo(f"{row['id']}\t{row['action']}\t{row['mentor_id']}->{row['mentee_id']}\t{row['status']}"
                       + (f"\t{row['last_error']}" if row["last_error"] else ""))
        return
    report = process_pending(engine)
    click.echo(_("{done} sent, {skipped} skipped (no Moodle account), {retrying} to retry, {failed} failed.").format(
        **report.as_dict()))


@moodle.command("find-user")
@click.argument("value")
@click.option("--field", type=click.Choice(["id", "idnumber", "username", "email"]), default="email",
              show_default=True)
@SITE
@DATABASE
def find_user(value: str, field: str, site: str | None, database_url: str | None) -> None:
    """Look a user up on Moodle (core_user_get_users_by_field)."""
    from .sites import get_site

    with get_site(_engine(database_url), site).client() as client:
        users = client.users_by_field(field, [value])
    if not users:
        click.echo(_("No Moodle user has {field} '{value}'.").format(field=field, value=value), err=True)
        raise SystemExit(2)
    for user in users:
        click.echo(json.dumps({k: user.get(k) for k in ("id", "username", "fullname", "email", "idnumber")}))
