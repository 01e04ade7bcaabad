from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from documents.service import revoke_document, supersede_document
from documents.wallet import (
    get_citizen_document,
    list_documents_for_citizen,
    origin_petition_id,
    wallet_status,
)
from documents.wallet_errors import (
    DocumentNotFoundError,
    DocumentRevokedError,
    InvalidRevocationReasonError,
)
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


class TestWalletStatus:
    def test_valid_through_the_last_day_then_expired(self, db: Session) -> None:
        document = create_document(db, valid_until=date(2026, 12, 31))
        assert wallet_status(document, today=date(2026, 12, 31)) == "valid"
        assert wallet_status(document, today=date(2027, 1, 1)) == "expired"
        assert wallet_status(create_document(db), today=date(2099, 1, 1)) == "valid"

    def test_revoked_and_superseded_come_before_expiry(self, db: Session) -> None:
        old = date(2020, 1, 1)
        revoked = create_document(db, valid_until=old, revoked_at=datetime(2026, 1, 1, tzinfo=UTC))
        superseded = create_document(db, valid_until=old, superseded_by="DOPA-2569-AAAAAAAA")
        assert wallet_status(revoked) == "revoked"
        assert wallet_status(superseded) == "superseded"


def test_a_reissue_chain_leads_back_to_its_petition(db: Session) -> None:
    first = create_document(db, petition_id="p-1")
    second = create_document(db, replaces=first.number)
    third = create_document(db, replaces=second.number)
    assert origin_petition_id(db, third) == "p-1"
    assert origin_petition_id(db, create_document(db)) is None
    assert origin_petition_id(db, create_document(db, replaces="DOPA-2569-00000000")) is None


class TestRevokeDocument:
    def test_records_reason_once(self, db: Session) -> None:
        document = create_document(db)
        revoked = revoke_document(db, number=document.number, reason="  issued   in error ")
        assert revoked.status == "revoked" and revoked.revocation_reason == "issued in error"
        with pytest.raises(DocumentRevokedError):
            revoke_document(db, number=document.number, reason="again")

    def test_refuses_a_missing_reason_and_an_unknown_number(self, db: Session) -> None:
        document = create_document(db)
        with pytest.raises(InvalidRevocationReasonError):
            revoke_document(db, number=document.number, reason=" x ")
        with pytest.raises(InvalidRevocationReasonError):
            revoke_document(db, number=document.number, reason="x" * 501)
        with pytest.raises(DocumentNotFoundError):
            revoke_document(db, number="DOPA-2569-00000000", reason="issued in error")
        assert document.revoked_at is None


def test_supersede_only_a_valid_document(db: Session) -> None:
    document = create_document(db)
    assert supersede_document(db, old=document, new_number="DOPA-2569-BBBBBBBB") is True
    assert document.superseded_by == "DOPA-2569-BBBBBBBB" and document.superseded_at
    assert supersede_document(db, old=document, new_number="DOPA-2569-CCCCCCCC") is False
    assert document.superseded_by == "DOPA-2569-BBBBBBBB"
    revoked = create_document(db, revoked_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert supersede_document(db, old=revoked, new_number="DOPA-2569-DDDDDDDD") is False
