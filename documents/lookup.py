"""Verification by document number + check code (typed, or taken from a QR code).

`find_for_verification` answers None both for an unknown number and for a wrong code, so the
public endpoints cannot be used to learn which numbers exist. Documents issued before check
codes (empty `check_code`) are verified by number alone.

What it returns is only what the document itself shows: number, title, agency, masked holder
name, date of issue, valid-until and status — never the citizen ID or anything else on the row.

`LookupCache` keeps recent lookups per process for a few seconds (`verify_cache_seconds`):
a QR code on a poster or a bank's batch re-checks the same numbers many times a second. The
price is that a revocation or supersession shows on verification only after at most that
many seconds (plus the HTTP `max-age`, also a few seconds).
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from documents.checkcode import check_code_matches
from documents.dates import thailand_date
from documents.models import DatedStatus, Document, dated_status
from documents.numbers import is_well_formed_number
from portal.db import utcnow

VerifiedStatus = DatedStatus
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class VerifiedDocument:
    """What a verifier may see: exactly what is printed on the document, plus its status."""

    number: str
    agency: str
    agency_name_th: str
    agency_name_en: str
    title_th: str
    title_en: str
    holder_display_th: str
    holder_display_en: str
    issued_at: datetime
    issued_on: date  # the Bangkok date printed on the document
    valid_until: date | None
    status: VerifiedStatus
    revoked_at: datetime | None
    revocation_reason: str | None
    superseded_by: str | None


@dataclass
class LookupEntry:
    """One lookup: the public view (None: no such number) and the code it needs."""

    document: VerifiedDocument | None
    check_code: str = ""
    # Renderings of `document` kept with it (the JSON API stores its body and ETag here).
    rendered: dict[str, Any] = field(default_factory=dict)


def normalise_number(value: str) -> str:
    """A typed number in canonical form: trimmed, upper case, look-alikes mapped in the tail.

    Only the random tail is Crockford: agency codes such as DOL contain a real O.
    """
    value = "".join(value.split()).upper()
    head, sep, tail = value.rpartition("-")
    return f"{head}{sep}{tail.translate(_LOOKALIKES)}" if sep else value


def lookup_number(db: Session, number: str, *, now: datetime | None = None) -> LookupEntry:
    """Reads one document by number (no code check yet); unknown or malformed: empty entry."""
    if not is_well_formed_number(number):
        return LookupEntry(None)
    row = db.exec(select(Document).where(Document.number == number)).first()
    if row is None:
        return LookupEntry(None)
    return LookupEntry(public_view(row, now=now), check_code=row.check_code or "")


_PUBLIC_COLUMNS = (
    "number",
    "agency",
    "agency_name_th",
    "agency_name_en",
    "title_th",
    "title_en",
    "holder_display_th",
    "holder_display_en",
    "issued_at",
    "valid_until",
    "revoked_at",
    "revocation_reason",
    "superseded_by",
    "check_code",
)


class PublicRowReader:
    """`lookup_number` without the ORM, for the by-number fast path.

    A lookup through a Session costs about 250 µs of CPU (session, statement compilation and
    execution context, ORM mapping), which caps verification of distinct numbers at about
    1,300 requests/s on two cores. This reader compiles the one statement once per engine,
    runs it on a pooled DBAPI connection and converts the values with the columns' own
    result processors (dates, aware datetimes), so the answer is the same as the ORM's.
    """

    def __init__(self, engine: Engine) -> None:
        table = Document.__table__  # type: ignore[attr-defined]
        columns = [table.c[name] for name in _PUBLIC_COLUMNS]
        statement = sa_select(*columns).where(table.c.number == bindparam("number"))
        compiled = statement.compile(dialect=engine.dialect)
        self._engine = engine
        self._sql = str(compiled)
        self._positional = bool(compiled.positiontup)
        self._processors = [
            column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
            for column in columns
        ]

    def lookup(self, number: str, *, now: datetime | None = None) -> LookupEntry:
        if not is_well_formed_number(number):
            return LookupEntry(None)
        params: Any = (number,) if self._positional else {"number": number}
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self._sql, params)
            row = cursor.fetchone()
            cursor.close()
            # Ends the read with COMMIT: the pool's rollback would make psycopg drop every
            # statement it prepared on this connection, this one included.
            connection.commit()
        finally:
            connection.close()  # back to the pool
        if row is None:
            return LookupEntry(None)
        values = dict(
            zip(
                _PUBLIC_COLUMNS,
                (p(v) if p is not None else v for p, v in zip(self._processors, row, strict=True)),
                strict=True,
            )
        )
        check_code = values.pop("check_code") or ""
        return LookupEntry(_view(values, now=now), check_code=check_code)


def _view(values: dict[str, Any], *, now: datetime | None) -> VerifiedDocument:
    """The public view from the document's public columns (`_PUBLIC_COLUMNS` minus the code)."""
    today = thailand_date(now or utcnow())
    agency = values["agency"]
    return VerifiedDocument(
        **{**values, "agency_name_th": values["agency_name_th"] or agency.upper(),
           "agency_name_en": values["agency_name_en"] or agency.upper()},
        issued_on=thailand_date(values["issued_at"]),
        status=dated_status(
            revoked_at=values["revoked_at"],
            superseded_by=values["superseded_by"],
            valid_until=values["valid_until"],
            today=today,
        ),
    )  # fmt: skip


def public_view(document: Document, *, now: datetime | None = None) -> VerifiedDocument:
    """What a verifier may see of `document` (its status as of `now`): the agency as printed."""
    values = {name: getattr(document, name) for name in _PUBLIC_COLUMNS if name != "check_code"}
    return _view(values, now=now)


def match_code(entry: LookupEntry, code: str) -> VerifiedDocument | None:
    """The document if `code` unlocks it; None for an unknown number and a wrong code alike."""
    if entry.document is None:
        hmac.compare_digest(b"000000", b"000000")  # same work as a wrong code
        return None
    if not entry.check_code:  # issued before check codes: the number alone verifies
        return entry.document
    return entry.document if check_code_matches(entry.check_code, code) else None


def find_for_verification(db: Session, number: str, code: str) -> VerifiedDocument | None:
    """Uncached number + code verification (see `LookupCache` for the cached path)."""
    return match_code(lookup_number(db, normalise_number(number)), code)


class LookupCache:
    """Recent lookups by number for `ttl` seconds, at most `max_entries` (least recent dropped).

    Unknown numbers are cached too, so a burst of guesses costs one query per number per TTL.
    Thread-safe: sync route handlers run in a thread pool.
    """

    def __init__(self, ttl: float, max_entries: int = 20_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, LookupEntry]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, number: str) -> LookupEntry | None:
        if self.ttl <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            item = self._entries.get(number)
            if item is None:
                return None
            if item[0] <= now:
                del self._entries[number]
                return None
            return item[1]

    def put(self, number: str, entry: LookupEntry) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[number] = (time.monotonic() + self.ttl, entry)
            self._entries.move_to_end(number)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def lookup(self, number: str, read: Callable[[str], LookupEntry]) -> LookupEntry:
        """The cached entry for `number`, or `read(number)` stored for next time."""
        entry = self.get(number)
        if entry is None:
            entry = read(number)
            self.put(number, entry)
        return entry
