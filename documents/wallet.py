"""The citizen's document wallet: reads that carry authorisation.

Every query here is scoped to one citizen, so "may this person see this document" is answered
in one place; routes never load a document by number for a citizen any other way.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from documents.models import Document


def list_documents_for_citizen(db: Session, *, citizen_id: int) -> list[Document]:
    """The citizen's documents, newest first (revoked ones included, marked by their status)."""
    statement = (
        select(Document)
        .where(Document.citizen_id == citizen_id)
        .order_by(col(Document.issued_at).desc(), col(Document.id).desc())
    )
    return list(db.exec(statement).all())


def get_citizen_document(db: Session, *, citizen_id: int, number: str) -> Document | None:
    """The document if it exists and belongs to this citizen; None otherwise.

    Someone else's document and a missing one look the same, so numbers cannot be probed.
    """
    statement = select(Document).where(Document.number == number, Document.citizen_id == citizen_id)
    return db.exec(statement).first()
