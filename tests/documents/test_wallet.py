from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from documents.wallet import get_citizen_document, list_documents_for_citizen
from tests.documents.factories import create_document


def test_lists_only_the_citizens_documents_newest_first(db: Session) -> None:
    older = create_document(db, citizen_id=1, issued_at=datetime(2026, 1, 5, tzinfo=UTC))
    newer = create_document(db, citizen_id=1, issued_at=datetime(2026, 11, 21, tzinfo=UTC))
    create_document(db, citizen_id=2)

    documents = list_documents_for_citizen(db, citizen_id=1)

    assert [d.number for d in documents] == [newer.number, older.number]
    assert list_documents_for_citizen(db, citizen_id=3) == []


def test_citizen_gets_their_own_document(db: Session) -> None:
    document = create_document(db, citizen_id=1)
    assert get_citizen_document(db, citizen_id=1, number=document.number) == document


def test_another_citizens_document_is_not_found(db: Session) -> None:
    document = create_document(db, citizen_id=2)
    assert get_citizen_document(db, citizen_id=1, number=document.number) is None


def test_unknown_number_is_not_found(db: Session) -> None:
    assert get_citizen_document(db, citizen_id=1, number="DOPA-2569-00000000") is None
