"""The citizen's document wallet: reads that carry authorisation.

Every query here is scoped to one citizen, so "may this person see this document" is answered
in one place; routes never load a document by number for a citizen any other way.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from documents.dates import thailand_date
from documents.models import DatedStatus, Document
from portal.db import utcnow

# Built once (bound parameters): the wallet's pages are among those citizens load most.
_DOCUMENTS_OF_CITIZEN = (
    select(Document)
    .where(Document.citizen_id == bindparam("citizen_id"))
    .order_by(col(Document.issued_at).desc(), col(Document.id).desc())
)
_DOCUMENT_OF_CITIZEN = select(Document).where(
    Document.number == bindparam("number"), Document.citizen_id == bindparam("citizen_id")
)


def list_documents_for_citizen(db: Session, *, citizen_id: int) -> list[Document]:
    """The citizen's documents, newest first (revoked ones included, marked by their status)."""
    return list(db.exec(_DOCUMENTS_OF_CITIZEN, params={"citizen_id": citizen_id}).all())


def get_citizen_document(db: Session, *, citizen_id: int, number: str) -> Document | None:
    """The document if it exists and belongs to this citizen; None otherwise.

    Someone else's document and a missing one look the same, so numbers cannot be probed.
    """
    params = {"number": number, "citizen_id": citizen_id}
    return db.exec(_DOCUMENT_OF_CITIZEN, params=params).first()


WalletStatus = DatedStatus

# A chain of reissues longer than this is a data error, not a real history.
_MAX_CHAIN = 100


def wallet_status(document: Document, *, today: date | None = None) -> WalletStatus:
    """The status the citizen sees on `today` (default: today in Bangkok)."""
    return document.status_on(today or thailand_date(utcnow()))


def origin_petition_id(db: Session, document: Document) -> str | None:
    """The petition the document (or the first one of its reissue chain) was issued for.

    A reissued document has no petition of its own (`petition_id` is unique, the first
    document keeps it); its `replaces` chain leads back to the one that has.
    """
    current: Document | None = document
    for _ in range(_MAX_CHAIN):
        if current is None:
            return None
        if current.petition_id is not None:
            return current.petition_id
        if current.replaces is None:
            return None
        current = db.exec(select(Document).where(Document.number == current.replaces)).first()
    return None
