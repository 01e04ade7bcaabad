"""Delegations in the domain: granting, revoking, finding one, and petitions filed under one."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from identity.citizen_ids import generate_citizen_id
from identity.delegation.errors import (
    DelegationNotFoundError,
    InvalidDelegationExpiryError,
    InvalidDelegationScopeError,
    InvalidGranteeError,
    NoActiveDelegationError,
)
from identity.delegation.models import Delegation
from identity.delegation.service import (
    find_active_delegation,
    grant_delegation,
    list_given,
    list_received,
    revoke_delegation,
)
from identity.models import Citizen
from portal.db import utcnow
from services.catalogue.service import get_catalogue
from services.petitions.errors import IdempotencyConflictError, PetitionNotFoundError
from services.petitions.models import PetitionEvent
from services.petitions.queries import get_citizen_petition, list_citizen_petitions
from services.petitions.service import submit_petition

SERVICE = "dopa.residence-certificate"
OTHER_SERVICE = "dopa.some-other-service"
_rng = random.Random(7)


def make_citizen(db: Session) -> Citizen:
    citizen = Citizen(
        national_id=generate_citizen_id(_rng),
        subject="s",
        issuer="i",
        ial=2.3,
        title_th="นาย",
        given_name_th="สมชาย",
        family_name_th="ใจดี",
    )
    db.add(citizen)
    db.commit()
    return citizen


def grant(db: Session, grantor: Citizen, grantee: Citizen, **overrides) -> Delegation:  # type: ignore[no-untyped-def]
    arguments = {
        "grantor": grantor,
        "grantee_national_id": grantee.national_id,
        "services": ["*"],
        "expires_at": utcnow() + timedelta(days=30),
    } | overrides
    delegation = grant_delegation(db, **arguments)
    db.commit()
    return delegation


def file_for(db: Session, grantor: Citizen, grantee: Citizen, **overrides):  # type: ignore[no-untyped-def]
    arguments = {
        "citizen": grantor,
        "service": get_catalogue().get(SERVICE),
        "consented_datasets": ["dopa.population"],
        "answers": {"purpose": "bank"},
        "channel": "web",
        "idempotency_key": "k",
        "filed_by": grantee,
    } | overrides
    petition = submit_petition(db, **arguments)
    db.commit()
    return petition


@pytest.fixture
def pair(db: Session) -> tuple[Citizen, Citizen]:
    return make_citizen(db), make_citizen(db)


class TestGrantDelegation:
    def test_a_grant_is_listed_for_both_people(self, db: Session, pair):
        grantor, grantee = pair
        delegation = grant(db, grantor, grantee, services=[SERVICE, SERVICE])
        assert delegation.services == [SERVICE]
        assert list_given(db, grantor_id=grantor.id) == [delegation]
        assert list_received(db, grantee_national_id=grantee.national_id) == [delegation]

    def test_all_services_swallows_the_rest(self, db: Session, pair):
        assert grant(db, *pair, services=[SERVICE, "*"]).services == ["*"]

    @pytest.mark.parametrize("national_id", ["1234567890123", "123", "", "abcdefghijklm"])
    def test_an_invalid_citizen_id_is_refused(self, db: Session, pair, national_id):
        with pytest.raises(InvalidGranteeError):
            grant_delegation(
                db,
                grantor=pair[0],
                grantee_national_id=national_id,
                services=["*"],
                expires_at=utcnow() + timedelta(days=1),
            )

    def test_delegating_to_oneself_is_refused(self, db: Session, pair):
        with pytest.raises(InvalidGranteeError):
            grant(db, pair[0], pair[0])

    @pytest.mark.parametrize(
        "delta", [timedelta(seconds=-1), timedelta(0), timedelta(days=365, minutes=1)]
    )
    def test_expiry_must_be_in_the_future_and_within_a_year(self, db: Session, pair, delta):
        with pytest.raises(InvalidDelegationExpiryError):
            grant(db, *pair, expires_at=utcnow() + delta)

    @pytest.mark.parametrize("services", [[], [""], ["not a code"]])
    def test_an_empty_or_malformed_scope_is_refused(self, db: Session, pair, services):
        with pytest.raises(InvalidDelegationScopeError):
            grant(db, *pair, services=services)


class TestFindActiveDelegation:
    def test_finds_a_live_delegation_in_scope(self, db: Session, pair):
        grantor, grantee = pair
        delegation = grant(db, grantor, grantee, services=[SERVICE])
        found = find_active_delegation(
            db, grantee_national_id=grantee.national_id, grantor_id=grantor.id, service_code=SERVICE
        )
        assert found == delegation

    def test_a_service_outside_the_scope_is_not_covered(self, db: Session, pair):
        grantor, grantee = pair
        grant(db, grantor, grantee, services=[OTHER_SERVICE])
        assert (
            find_active_delegation(
                db,
                grantee_national_id=grantee.national_id,
                grantor_id=grantor.id,
                service_code=SERVICE,
            )
            is None
        )

    def test_an_expired_delegation_counts_for_nothing(self, db: Session, pair):
        grantor, grantee = pair
        delegation = grant(db, grantor, grantee)
        delegation.expires_at = utcnow() - timedelta(seconds=1)
        db.add(delegation)
        db.commit()
        assert list_received(db, grantee_national_id=grantee.national_id) == []
        with pytest.raises(NoActiveDelegationError):
            file_for(db, grantor, grantee)

    def test_a_revoked_delegation_counts_for_nothing(self, db: Session, pair):
        grantor, grantee = pair
        delegation = grant(db, grantor, grantee)
        revoke_delegation(db, grantor_id=grantor.id, delegation_id=delegation.id)
        db.commit()
        assert delegation.revoked_at is not None
        assert list_received(db, grantee_national_id=grantee.national_id) == []
        assert list_given(db, grantor_id=grantor.id) == [delegation]  # kept, marked revoked


class TestRevokeDelegation:
    def test_only_the_grantor_may_revoke(self, db: Session, pair):
        grantor, grantee = pair
        delegation = grant(db, grantor, grantee)
        for someone in (grantee, make_citizen(db)):
            with pytest.raises(DelegationNotFoundError):
                revoke_delegation(db, grantor_id=someone.id, delegation_id=delegation.id)
        with pytest.raises(DelegationNotFoundError):
            revoke_delegation(db, grantor_id=grantor.id, delegation_id="no-such-id")
        assert db.get(Delegation, delegation.id).revoked_at is None


class TestFilingForSomeone:
    def test_the_petition_is_for_the_grantor_and_records_the_filer(self, db: Session, pair):
        grantor, grantee = pair
        delegation = grant(db, grantor, grantee, services=[SERVICE])
        petition = file_for(db, grantor, grantee)
        assert petition.citizen_id == grantor.id
        assert petition.filed_by_id == grantee.id and petition.delegation_id == delegation.id
        event = db.exec(select(PetitionEvent)).one()
        assert event.actor == "delegate"
        for person in (grantor, grantee):
            seen = get_citizen_petition(db, citizen_id=person.id, petition_id=petition.id)
            assert seen.id == petition.id
            assert list_citizen_petitions(db, citizen_id=person.id) == [petition]

    def test_without_a_delegation_nobody_can_file_for_someone(self, db: Session, pair):
        with pytest.raises(NoActiveDelegationError):
            file_for(db, *pair)

    def test_outside_the_scope_filing_is_refused(self, db: Session, pair):
        grant(db, *pair, services=[OTHER_SERVICE])
        with pytest.raises(NoActiveDelegationError):
            file_for(db, *pair)

    def test_after_revocation_the_filer_no_longer_sees_it_but_the_grantor_does(
        self, db: Session, pair
    ):
        grantor, grantee = pair
        delegation = grant(db, grantor, grantee)
        petition = file_for(db, grantor, grantee)
        revoke_delegation(db, grantor_id=grantor.id, delegation_id=delegation.id)
        db.commit()
        with pytest.raises(PetitionNotFoundError):
            get_citizen_petition(db, citizen_id=grantee.id, petition_id=petition.id)
        assert list_citizen_petitions(db, citizen_id=grantee.id) == []
        assert get_citizen_petition(db, citizen_id=grantor.id, petition_id=petition.id)
        with pytest.raises(NoActiveDelegationError):
            file_for(db, grantor, grantee, idempotency_key="k2")

    def test_a_third_citizen_neither_sees_nor_uses_it(self, db: Session, pair):
        grantor, grantee = pair
        grant(db, grantor, grantee)
        petition = file_for(db, grantor, grantee)
        stranger = make_citizen(db)
        with pytest.raises(PetitionNotFoundError):
            get_citizen_petition(db, citizen_id=stranger.id, petition_id=petition.id)
        assert list_citizen_petitions(db, citizen_id=stranger.id) == []
        with pytest.raises(NoActiveDelegationError):
            file_for(db, grantor, stranger, idempotency_key="k3")

    def test_the_idempotency_key_belongs_to_the_filer(self, db: Session, pair):
        grantor, grantee = pair
        grant(db, grantor, grantee)
        for_grantor = file_for(db, grantor, grantee)
        assert file_for(db, grantor, grantee).id == for_grantor.id  # a double submit
        # The grantor's own form with the same key is a different petition, not the one above.
        own = file_for(db, grantor, None, idempotency_key="k-own")
        assert own.id != for_grantor.id and own.filed_by_id is None
        # The filer reusing the key for themselves is a conflict, never the grantor's petition.
        with pytest.raises(IdempotencyConflictError):
            file_for(db, grantee, None)
