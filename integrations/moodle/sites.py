"""Moodle sites: their Web Services token, the Mentor role id, and who is who on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update

from mentorflow.db.models import ExternalIdentity
from mentorflow.errors import NotFound, UserError
from mentorflow.i18n import _

from .client import MoodleClient
from .models import Site

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from mentorflow.engine import Engine

T, X = Site.__table__, ExternalIdentity.__table__
# Every function mentorflow calls; docs/moodle.md lists them for the external service.
FUNCTIONS = ("core_webservice_get_site_info", "core_user_get_users_by_field", "core_cohort_get_cohorts",
             "core_cohort_get_cohort_members", "core_role_assign_roles", "core_role_unassign_roles",
             "core_message_send_instant_messages")


@dataclass(frozen=True)
class SiteInfo:
    id: int
    url: str
    token: str
    mentor_role_id: int | None

    def client(self, **kwargs: Any) -> MoodleClient:
        return MoodleClient(self.url, self.token, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "mentor_role_id": self.mentor_role_id}


def normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UserError(_("A Moodle site address is an http(s) URL (its wwwroot), not '{url}'.").format(url=url))
    return url.strip().rstrip("/")


def sources(url: str) -> tuple[str, str]:
    """The external-id sources that hold a person's Moodle user id on this site.

    ``moodle:<wwwroot>`` is written by cohort imports; ``lti:<wwwroot>`` by LTI launches, whose
    ``sub`` Moodle fills with the same user id.
    """
    return f"moodle:{url}", f"lti:{url}"


def add_site(engine: Engine, url: str, token: str, mentor_role_id: int | None = None) -> SiteInfo:
    """Add a site, or change the token and Mentor role of a known one."""
    url = normalise_url(url)
    if not token.strip():
        raise UserError(_("A Moodle site needs a Web Services token."))
    with engine.write() as conn:
        found = conn.execute(select(T.c.id).where(T.c.url == url)).scalar()
        if found is None:
            conn.execute(insert(T).values(url=url, token=token.strip(), mentor_role_id=mentor_role_id,
                                          created_at=engine.clock.now()))
        else:
            conn.execute(update(T).where(T.c.id == found).values(token=token.strip(), mentor_role_id=mentor_role_id))
    return get_site(engine, url)


def sites_on(conn: Connection) -> list[SiteInfo]:
    """Every configured site, read on ``conn``."""
    return [SiteInfo(r.id, r.url, r.token, r.mentor_role_id) for r in conn.execute(select(T).order_by(T.c.id))]


def list_sites(engine: Engine) -> list[SiteInfo]:
    with engine.read() as conn:
        return sites_on(conn)


def get_site(engine: Engine, site: str | int | None = None) -> SiteInfo:
    """A site by id or URL; with nothing given, the only site."""
    found = list_sites(engine)
    if site is None:
        if len(found) == 1:
            return found[0]
        raise UserError(_("Name the Moodle site (--site): {count} are configured.").format(count=len(found)))
    for candidate in found:
        if str(candidate.id) == str(site) or candidate.url == str(site).rstrip("/"):
            return candidate
    raise NotFound(_("No Moodle site {site} is configured (mentorflow moodle site add).").format(site=site))


def moodle_user_id(conn: Connection, site: SiteInfo, person_id: int) -> int | None:
    """The person's Moodle user id on ``site``, when mentorflow knows it."""
    rows = conn.execute(select(X.c.source, X.c.external_id).where(X.c.person_id == person_id,
                                                                  X.c.source.in_(sources(site.url)))).all()
    for source in sources(site.url):
        for row in rows:
            if row.source == source and row.external_id.isdigit():
                return int(row.external_id)
    return None


def person_for_user(conn: Connection, site: SiteInfo, user_id: int) -> int | None:
    """The mentorflow person of a Moodle user, when one exists."""
    return conn.execute(select(X.c.person_id).where(X.c.source.in_(sources(site.url)),
                                                    X.c.external_id == str(user_id))).scalar()
