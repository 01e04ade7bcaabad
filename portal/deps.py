"""FastAPI dependencies shared by routes: `Db`, `ReadDb`, `CurrentCitizen`, `ApiCitizen`,
`SettingsDep`.

`Db` commits when the handler returns and rolls back on error, before the response is sent
(`scope="function"`), so a redirect after a POST always sees what the POST wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy import event
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from identity.errors import InvalidTokenError
from identity.models import Citizen
from identity.oidc import RelyingParty
from identity.sessions import (
    get_active_session,
    get_citizen_by_national_id,
    session_lookup,
    upsert_citizen_from_claims,
)
from portal.errors import AuthenticationRequiredError
from portal.runtime import handlers_inline
from portal.settings import Settings
from services.mailbox.queries import unread_count_of

SESSION_COOKIE = "portal_session"
# Dependencies that only read app state are `async def`: FastAPI runs sync dependencies in the
# thread pool, one hop each, which costs more than the lookup itself.


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as page headers show it: plain values that outlive the DB session
    (an error page renders after the transaction was rolled back)."""

    name_th: str
    name_en: str
    unread_messages: int = 0  # mailbox messages not yet read, for the header's "Mailbox" link

    @classmethod
    def of(cls, citizen: Citizen | None, *, unread_messages: int = 0) -> Viewer | None:
        return cls(citizen.name_th, citizen.name_en, unread_messages) if citizen else None


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


Db = Annotated[Session, Depends(get_db, scope="function")]

RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
"""An integer row id in a path (our ids are INTEGER columns): anything such a column cannot
hold is a 422, never a database error."""


class ReadOnlySessionError(RuntimeError):
    """A write through `ReadDb`: a programming error (the replica would refuse it anyway)."""


def _refuse_writes(session: Session, _context: object, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("ReadDb is read-only: use Db to write")


def get_read_db(request: Request) -> Iterator[Session]:
    """A session on the read replica (`PORTAL_DATABASE_REPLICA_URL`), or the primary when none
    is configured. It writes nothing: any flush of a change raises.

    A read that went well ends with COMMIT, not ROLLBACK (the same for a transaction that
    wrote nothing): psycopg forgets every statement it prepared on a connection when it rolls
    back, and PostgreSQL would then parse and plan each query of the next requests afresh.
    """
    with Session(request.app.state.read_engine, expire_on_commit=False) as session:
        event.listen(session, "before_flush", _refuse_writes)
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


ReadDb = Annotated[Session, Depends(get_read_db, scope="function")]


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_relying_party(request: Request) -> RelyingParty:
    return request.app.state.relying_party


RelyingPartyDep = Annotated[RelyingParty, Depends(get_relying_party)]


def get_optional_citizen(request: Request, db: Db, settings: SettingsDep) -> Citizen | None:
    """The citizen of this browser session, if signed in (also exposed to templates)."""
    found = get_active_session(
        db,
        token=request.cookies.get(SESSION_COOKIE),
        idle_lifetime=timedelta(minutes=settings.session_idle_minutes),
        lookup=_VIEWER_LOOKUP,
    )
    if found is None:
        request.state.viewer = None
        return None
    _, citizen, unread = found
    request.state.viewer = Viewer.of(citizen, unread_messages=unread)
    return citizen


# Every signed-in page needs the session, its citizen and the header's unread count: one
# prebuilt statement, one round trip.
_VIEWER_LOOKUP = session_lookup(unread_count_of(Citizen.id))  # type: ignore[arg-type]


OptionalCitizen = Annotated[Citizen | None, Depends(get_optional_citizen)]


def get_current_citizen(citizen: OptionalCitizen) -> Citizen:
    """Pages for signed-in citizens; the error handler sends others to sign in."""
    if citizen is None:
        raise AuthenticationRequiredError()
    return citizen


CurrentCitizen = Annotated[Citizen, Depends(get_current_citizen)]


async def get_api_citizen(request: Request, db: Db, rp: RelyingPartyDep) -> Citizen:
    """The citizen behind a bearer access token from the digital-ID provider.

    A token checked against the cached keys, of a citizen we know, needs nothing from the
    provider: with inline handlers (portal.runtime) that runs on the event loop. Whatever may
    wait on the provider (a key-set fetch, userinfo for a new citizen) runs in a thread.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidTokenError("A bearer access token is required", "ต้องแนบโทเค็นการเข้าถึง")
    token = token.strip()
    if handlers_inline() and rp.can_verify_offline(token):
        claims = rp.verify_access_token(token)
        citizen = _known_api_citizen(db, claims)
        if citizen is not None:
            return citizen
    return await run_in_threadpool(_api_citizen, db, rp, token)


def _known_api_citizen(db: Session, claims: dict[str, Any]) -> Citizen | None:
    if not claims.get("pid"):
        return None
    return get_citizen_by_national_id(db, national_id=str(claims["pid"]))


def _api_citizen(db: Session, rp: RelyingParty, token: str) -> Citizen:
    claims = rp.verify_access_token(token)
    citizen = _known_api_citizen(db, claims)
    if citizen is None:
        # First API call before any browser sign-in: the provider tells us who this is.
        info = rp.fetch_userinfo(token)
        if str(info.get("sub")) != str(claims.get("sub")):
            raise InvalidTokenError()
        citizen = upsert_citizen_from_claims(db, issuer=rp.issuer, claims=info)
    return citizen


ApiCitizen = Annotated[Citizen, Depends(get_api_citizen)]
