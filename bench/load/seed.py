"""A realistic volume for the load run: tens of thousands of petitions copied from real ones.

The template petitions were filed through the API and processed by the real worker (evidence
fetched from the registries, certificates sealed and stored), so every copy renders and
downloads like a real one: a copy keeps its template's events, consents, "who used my data"
rows, mailbox messages and, when issued, a document row with its own number and check code
that points at the template's stored PDF (same bytes, same hash).

Bulk writes use COPY on PostgreSQL and executemany elsewhere (the smoke test's SQLite).
Officers and their sessions, a handful, go through the domain functions instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Table, select, text
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.engine import Connection, Engine

# Share of the seeded petitions per kind, out of 20: issued residence and marital-status
# certificates, refused ones, and one-officer petitions waiting in review for the officers.
MIX = (("residence", 13), ("marital", 3), ("rejected", 2), ("tax_review", 2))
KIND_OF_SLOT = [kind for kind, share in MIX for _ in range(share)]
OFFICER_AGENCY = "rd"


@dataclass
class Seeded:
    counts: dict[str, int] = field(default_factory=dict)
    fixtures: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: build, write, analyze

    def summary(self) -> str:
        rows = ", ".join(f"{n:,} {table}" for table, n in self.counts.items())
        phases = ", ".join(f"{phase} {s:.1f} s" for phase, s in self.timings.items())
        return f"{rows} ({phases})"


def _tables() -> dict[str, Table]:
    from portal.db import import_all_models

    return dict(import_all_models().metadata.tables)


def _rows(conn: Connection, table: Table, column: str, value: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(table).where(table.c[column] == value)).mappings()]


def _copier(table: Table, name: str) -> Any:
    """How COPY's text format gets a column's value: enum labels as SQLAlchemy stores them
    (names), JSON as text (each template's JSON, shared by its copies, serialised once)."""
    kind = table.c[name].type
    if isinstance(kind, SqlEnum):
        return lambda v: v.name if isinstance(v, Enum) else v
    if isinstance(kind, JSON):
        serialised: dict[int, tuple[Any, str]] = {}

        def dump(value: Any) -> str | None:
            if value is None:
                return None
            kept = serialised.get(id(value))
            if kept is None or kept[0] is not value:
                kept = serialised[id(value)] = (value, json.dumps(value, ensure_ascii=False))
            return kept[1]

        return dump
    return None


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Writes `rows` (all with the same keys) in bulk; COPY on PostgreSQL."""
    if not rows:
        return 0
    columns = list(rows[0])
    if conn.dialect.name == "postgresql":
        convert = [(c, _copier(table, c)) for c in columns]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([f(row[c]) if f else row[c] for c, f in convert])
        cursor.close()
    else:
        conn.execute(table.insert(), rows)
    return len(rows)


def _citizen_ids(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    from identity.citizen_ids import generate_citizen_id

    ids: list[str] = []
    while len(ids) < count:
        candidate = generate_citizen_id(rng)
        if candidate not in taken:
            taken.add(candidate)
            ids.append(candidate)
    return ids


def _shift(value: datetime | None, delta: timedelta) -> datetime | None:
    return value + delta if value is not None else None


@dataclass
class Template:
    petition: dict[str, Any]
    events: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    access: list[dict[str, Any]]
    mailbox: list[dict[str, Any]]
    document: dict[str, Any] | None


def _template(conn: Connection, tables: dict[str, Table], petition_id: str) -> Template:
    documents = _rows(conn, tables["document"], "petition_id", petition_id)
    return Template(
        petition=_rows(conn, tables["petition"], "id", petition_id)[0],
        events=_rows(conn, tables["petition_event"], "petition_id", petition_id),
        consents=_rows(conn, tables["consent"], "petition_id", petition_id),
        access=_rows(conn, tables["data_access"], "petition_id", petition_id),
        mailbox=_rows(conn, tables["mailbox_message"], "petition_id", petition_id),
        document=documents[0] if documents else None,
    )


def seed_load_data(
    engine: Engine,
    *,
    templates: dict[str, str],
    petitions: int,
    citizens: int,
    sessions: int,
    officers: int,
    secret_key: str,
) -> Seeded:
    """Seeds `petitions` petitions over `citizens` new citizens; returns counts and the
    identities the load users play (session cookies, petitions, documents, officers)."""
    from documents.checkcode import new_check_code
    from documents.numbers import new_document_number
    from identity.tokens import hash_token
    from services.petitions.models import PetitionState

    started = time.perf_counter()
    rng = random.Random(8)
    tables = _tables()
    now = datetime.now(UTC)
    seeded = Seeded()
    with engine.begin() as conn:
        by_kind = {kind: _template(conn, tables, pid) for kind, pid in templates.items()}
        by_kind["rejected"] = by_kind["residence"]
        taken = {r[0] for r in conn.execute(text("SELECT national_id FROM citizen"))}
        first_id = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM citizen")).scalar_one())
        model = _rows(conn, tables["citizen"], "id", by_kind["residence"].petition["citizen_id"])[0]
        citizen_rows = [
            model
            | {
                "id": first_id + 1000 + index,
                "national_id": national_id,
                "subject": str(uuid.uuid4()),
                "created_at": now - timedelta(days=rng.randint(1, 700)),
                "last_sign_in_at": now,
            }
            for index, national_id in enumerate(_citizen_ids(rng, citizens, taken))
        ]
        owners = [row["id"] for row in citizen_rows]
        petition_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        consent_rows: list[dict[str, Any]] = []
        access_rows: list[dict[str, Any]] = []
        mailbox_rows: list[dict[str, Any]] = []
        document_rows: list[dict[str, Any]] = []
        owned: dict[int, list[str]] = {}
        documents_of: dict[int, list[str]] = {}
        verifiable: list[tuple[str, str]] = []
        in_review: list[str] = []
        for index in range(petitions):
            kind = KIND_OF_SLOT[rng.randrange(len(KIND_OF_SLOT))]
            template = by_kind[kind]
            citizen_id = owners[index % len(owners)]
            petition_id = str(uuid.uuid4())
            created = now - timedelta(seconds=rng.randint(3600, 90 * 86400))
            delta = created - template.petition["created_at"]
            row = template.petition | {
                "id": petition_id,
                "citizen_id": citizen_id,
                "idempotency_key": None,
                "created_at": created,
                "updated_at": _shift(template.petition["updated_at"], delta),
                "decided_at": _shift(template.petition["decided_at"], delta),
            }
            events = template.events
            if kind == "rejected":
                events = template.events[:-1] + [
                    template.events[-1] | {"to_state": "rejected", "note": "ข้อมูลไม่ครบถ้วน"}
                ]
                row |= {
                    "state": PetitionState.REJECTED,
                    "document_number": None,
                    "decision_reason_th": "ที่อยู่ในทะเบียนบ้านไม่ตรงกับที่ขอรับรอง",
                    "decision_reason_en": "The house-register address differs from the one asked.",
                }
            if kind == "tax_review":
                in_review.append(petition_id)
            if template.document is not None and kind != "rejected":
                number = new_document_number(template.document["agency"], created.date())
                code = new_check_code()
                row["document_number"] = number
                document_rows.append(
                    {k: v for k, v in template.document.items() if k != "id"}
                    | {
                        "number": number,
                        "check_code": code,
                        "citizen_id": citizen_id,
                        "petition_id": petition_id,
                        "issued_at": _shift(template.document["issued_at"], delta),
                        "timestamped_at": _shift(template.document["timestamped_at"], delta),
                    }
                )
                documents_of.setdefault(citizen_id, []).append(number)
                if len(verifiable) < 5000:
                    verifiable.append((number, code))
            petition_rows.append(row)
            owned.setdefault(citizen_id, []).append(petition_id)
            event_rows += [
                {k: v for k, v in e.items() if k != "id"}
                | {"petition_id": petition_id, "at": _shift(e["at"], delta)}
                for e in events
            ]
            consent_rows += [
                c
                | {
                    "id": str(uuid.uuid4()),
                    "petition_id": petition_id,
                    "citizen_id": citizen_id,
                    "given_at": _shift(c["given_at"], delta),
                }
                for c in template.consents
            ]
            access_rows += [
                {k: v for k, v in a.items() if k != "id"}
                | {
                    "petition_id": petition_id,
                    "citizen_id": citizen_id,
                    "at": _shift(a["at"], delta),
                }
                for a in template.access
            ]
            mailbox_rows += [
                m
                | {
                    "id": str(uuid.uuid4()),
                    "petition_id": petition_id,
                    "citizen_id": citizen_id,
                    "document_number": row["document_number"] if m["document_number"] else None,
                    "created_at": _shift(m["created_at"], delta),
                    "read_at": _shift(m["created_at"], delta),
                }
                for m in (template.mailbox if kind != "rejected" else template.mailbox[:1])
            ]

        built = time.perf_counter()
        counts = seeded.counts
        counts["citizen"] = insert_rows(conn, tables["citizen"], citizen_rows)
        counts["petition"] = insert_rows(conn, tables["petition"], petition_rows)
        counts["petition_event"] = insert_rows(conn, tables["petition_event"], event_rows)
        counts["consent"] = insert_rows(conn, tables["consent"], consent_rows)
        counts["data_access"] = insert_rows(conn, tables["data_access"], access_rows)
        counts["mailbox_message"] = insert_rows(conn, tables["mailbox_message"], mailbox_rows)
        counts["document"] = insert_rows(conn, tables["document"], document_rows)

        viewers = [c for c in owners if c in owned][:sessions]
        cookies = [secrets.token_urlsafe(32) for _ in viewers]
        counts["web_session"] = insert_rows(
            conn,
            tables["web_session"],
            [
                {
                    "id": hash_token(cookie),
                    "citizen_id": citizen_id,
                    "created_at": now,
                    "last_seen_at": now,
                    "expires_at": now + timedelta(hours=12),
                    "revoked_at": None,
                    "id_token": "",
                }
                for cookie, citizen_id in zip(cookies, viewers, strict=True)
            ],
        )
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('citizen_id_seq', (SELECT max(id) FROM citizen))"))
        seeded.timings["build"] = built - started
        seeded.timings["write"] = time.perf_counter() - built

    officer_fixtures = _officers(engine, rng, officers, taken, secret_key)
    counts["officer"] = len(officer_fixtures)
    analysed = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    seeded.timings["analyze"] = time.perf_counter() - analysed

    seeded.fixtures = {
        "viewers": [
            {
                "cookie": cookie,
                "csrf": _csrf_pair(secret_key),
                "petitions": owned[citizen_id],
                "documents": documents_of.get(citizen_id, []),
            }
            for cookie, citizen_id in zip(cookies, viewers, strict=True)
        ],
        "officers": officer_fixtures,
        "verifiable": verifiable,
        "in_review": len(in_review),
        "services": sorted({row["service_code"] for row in petition_rows}),
    }
    return seeded


def _csrf_pair(secret_key: str) -> dict[str, str]:
    """A browser's CSRF cookie and the form token the portal derives from it (portal.csrf)."""
    cookie = secrets.token_urlsafe(32)
    token = hmac.new(secret_key.encode(), cookie.encode(), hashlib.sha256).hexdigest()
    return {"cookie": cookie, "token": token}


def _officers(
    engine: Engine, rng: random.Random, count: int, taken: set[str], secret_key: str
) -> list[dict[str, Any]]:
    """`count` officers of the agency whose petitions wait in review, each signed in with a
    second factor (a session as the back-office sign-in leaves it)."""
    from identity.officers.service import register_officer, start_officer_session
    from portal.db import session_scope

    fixtures = []
    with session_scope(engine) as db:
        for national_id in _citizen_ids(rng, count, taken):
            officer = register_officer(
                db, national_id=national_id, agency=OFFICER_AGENCY, roles=["officer"]
            )
            officer.name_th, officer.name_en = "เจ้าหน้าที่ทดสอบภาระ", "Load Test Officer"
            db.add(officer)
            db.flush()
            cookie = start_officer_session(db, officer=officer, amr=["otp"])
            fixtures.append({"cookie": cookie, "csrf": _csrf_pair(secret_key)})
    return fixtures
