"""Processing of the newer features, against a fake exchange: uploaded copies, match checks,
`form:` subjects, reads logged to the person read about, bundle parts waiting for each other,
and the definition snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from identity.models import Citizen
from services.catalogue.definitions import ServiceDefinition
from services.catalogue.service import Catalogue, get_catalogue
from services.exchange.client import EvidenceRequest
from services.petitions import processing
from services.petitions.approvals import decide_approval
from services.petitions.bundles import submit_bundle
from services.petitions.models import (
    EvidenceUpload,
    JobState,
    Petition,
    PetitionApproval,
    PetitionEvent,
    PetitionJob,
    PetitionState,
)
from services.petitions.processing import ProcessingContext
from services.petitions.service import UploadStore, change_state, submit_petition
from services.petitions.uploads import ReceivedFile
from services.petitions.worker import run_until_idle
from tests.services.petitions.factories import (
    context_for,
    create_citizen,
    create_petition,
    make_parent_of,
    population_answer,
    registry_answering,
)

PDF = b"%PDF-1.4\n%%EOF\n"
_TEXT = {"th": "ข้อความ", "en": "Text"}
_WHY = {
    "purpose": {"th": "เพื่อพิจารณาคำขอ", "en": "To decide the petition"},
    "legal_basis": {"th": "พระราชบัญญัติการทะเบียนราษฎร", "en": "Civil Registration Act"},
}


class FakeExchange:
    """Answers every fetch with placeholder values and every match with `matches`; records
    what it was asked."""

    def __init__(self, *, matches: bool = True) -> None:
        self.matches = matches
        self.requests: list[EvidenceRequest] = []

    def fetch(self, db: Session, request: EvidenceRequest) -> dict[str, Any]:
        self.requests.append(request)
        return {f: f"{request.dataset.qualified_name}:{f}" for f in request.fields}

    def match(self, db: Session, request: EvidenceRequest) -> bool:
        self.requests.append(request)
        return self.matches

    def asked(self) -> list[str]:
        return [r.dataset.qualified_name for r in self.requests]


def ctx_with(exchange: FakeExchange, tmp_path: Path) -> ProcessingContext:
    return ProcessingContext(exchange=exchange, data_dir=tmp_path, base_url="http://testserver")  # type: ignore[arg-type]


def sample(**overrides: object) -> ServiceDefinition:
    data: dict[str, object] = {
        "code": "dopa.sample",
        "version": 1,
        "agency": "dopa",
        "name": _TEXT,
        "description": _TEXT,
        "category": "civil-registration",
        "decision": "automatic",
        "processing_days": 1,
        "min_ial": 1.2,
        "channels": ["web"],
        "outcome": "record",
        **overrides,
    }
    return ServiceDefinition.model_validate(data)


def reload(db: Session, petition: Petition) -> Petition:
    db.expire_all()
    fresh = db.get(Petition, petition.id)
    assert fresh is not None
    return fresh


MOVE_IN_ANSWERS = {
    "house_id": "10300012345",
    "new_address": "99 ถนนสุขุมวิท กรุงเทพมหานคร",
    "house_owner_national_id": "1509900456789",
    "moved_on": "2026-01-15",
}


class TestUploadedCopies:
    def test_a_copy_instead_of_a_fetch_means_no_registry_call_and_an_officer(
        self, db: Session, clean_engine, people, tmp_path
    ):
        citizen = create_citizen(db, people[0])
        petition = submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.move-in"),
            consented_datasets=[],
            answers=MOVE_IN_ANSWERS | {"house_owner_national_id": people[0].national_id},
            channel="web",
            uploads={"dopa.population": ReceivedFile("copy.pdf", PDF)},
            upload_store=UploadStore(tmp_path, 10_000),
        )
        db.commit()
        exchange = FakeExchange()
        run_until_idle(clean_engine, ctx_with(exchange, tmp_path))
        petition = reload(db, petition)
        assert petition.state == PetitionState.IN_REVIEW
        assert exchange.requests == [] and petition.evidence == {}
        assert db.exec(select(EvidenceUpload)).one().petition_id == petition.id

    def test_an_automatic_service_with_a_copy_still_goes_to_an_officer(
        self, db: Session, clean_engine, people, tmp_path
    ):
        service = sample(
            evidence=[
                {
                    "dataset": "dopa.population",
                    "fields": ["address"],
                    "upload_instead": _TEXT,
                    **_WHY,
                },
                {"dataset": "dopa.birth_record", "fields": ["birthdate"], **_WHY},
            ]
        )
        citizen = create_citizen(db, people[0])
        petition = submit_petition(
            db,
            citizen=citizen,
            service=service,
            consented_datasets=["dopa.birth_record"],
            answers={},
            channel="web",
            uploads={"dopa.population": ReceivedFile("copy.pdf", PDF)},
            upload_store=UploadStore(tmp_path, 10_000),
        )
        db.commit()
        exchange = FakeExchange()
        run_until_idle(clean_engine, ctx_with(exchange, tmp_path))
        petition = reload(db, petition)
        assert exchange.asked() == ["dopa.birth_record"]  # only what was consented to
        assert petition.state == PetitionState.IN_REVIEW  # not approved automatically

    def test_without_a_copy_the_same_service_is_decided_automatically(
        self, db: Session, clean_engine, people, tmp_path
    ):
        service = sample(
            evidence=[
                {
                    "dataset": "dopa.population",
                    "fields": ["address"],
                    "upload_instead": _TEXT,
                    **_WHY,
                }
            ]
        )
        petition = submit_petition(
            db,
            citizen=create_citizen(db, people[0]),
            service=service,
            consented_datasets=["dopa.population"],
            answers={},
            channel="web",
        )
        db.commit()
        run_until_idle(clean_engine, ctx_with(FakeExchange(), tmp_path))
        assert reload(db, petition).state == PetitionState.ISSUED


class TestMatchChecks:
    SERVICE = sample(
        form=[{"name": "house", "label": _TEXT, "pattern": "[0-9]{11}"}],
        evidence=[
            {
                "dataset": "dopa.population",
                "mode": "match",
                "match": {"house_id": "form:house"},
                **_WHY,
            }
        ],
    )

    def file(self, db: Session, people) -> Petition:  # type: ignore[no-untyped-def]
        petition = submit_petition(
            db,
            citizen=create_citizen(db, people[0]),
            service=self.SERVICE,
            consented_datasets=["dopa.population"],
            answers={"house": "10300012345"},
            channel="web",
        )
        db.commit()
        return petition

    def test_a_register_that_does_not_confirm_rejects_with_a_reason(
        self, db: Session, clean_engine, people, tmp_path
    ):
        petition = self.file(db, people)
        exchange = FakeExchange(matches=False)
        run_until_idle(clean_engine, ctx_with(exchange, tmp_path))
        petition = reload(db, petition)
        assert petition.state == PetitionState.REJECTED
        assert "dopa.population" in petition.decision_reason_en
        assert "does not confirm" in petition.decision_reason_en and petition.decision_reason_th
        (request,) = exchange.requests
        assert request.match == {"house_id": "10300012345"}
        assert request.subject == people[0].national_id

    def test_a_confirmed_match_keeps_only_the_yes(
        self, db: Session, clean_engine, people, tmp_path
    ):
        petition = self.file(db, people)
        run_until_idle(clean_engine, ctx_with(FakeExchange(matches=True), tmp_path))
        petition = reload(db, petition)
        assert petition.state == PetitionState.ISSUED
        assert petition.evidence == {"dopa.population": {"match": True}}


class TestSubjects:
    def test_a_public_register_is_read_by_the_deed_named_in_the_form(
        self, db: Session, clean_engine, people, tmp_path
    ):
        citizen = create_citizen(db, people[0])
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dol.land-title-abstract"),
            consented_datasets=[],
            answers={"title_deed": "10-12345"},
            channel="web",
        )
        db.commit()
        exchange = FakeExchange()
        # The certificate needs real land-register fields; only the request matters here.
        ctx = ctx_with(exchange, tmp_path)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(processing, "_issue_certificate", lambda *a, **k: None)
            run_until_idle(clean_engine, ctx)
        (request,) = exchange.requests
        assert request.subject == "10-12345" and request.consent_id is None
        assert request.subject_citizen_id == citizen.id  # a deed is not a person: the asker's log
        assert len(db.exec(select(Citizen)).all()) == 1

    def test_reading_a_childs_record_is_logged_to_the_child(
        self, db: Session, clean_engine, people, tmp_path
    ):
        parent, child = people[0], people[3]
        citizen = create_citizen(db, parent)
        make_parent_of(
            db, parent_national_id=parent.national_id, child_national_id=child.national_id
        )
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("nhso.newborn-registration"),
            consented_datasets=["dopa.population", "dopa.birth_record"],
            answers={"child_national_id": child.national_id, "hospital": "รพ.ราชวิถี"},
            channel="web",
        )
        db.commit()
        exchange = FakeExchange()
        run_until_idle(clean_engine, ctx_with(exchange, tmp_path))
        assert exchange.asked() == ["dopa.population", "dopa.birth_record"]
        placeholder = db.exec(
            select(Citizen).where(Citizen.national_id == child.national_id)
        ).one()  # made once, used for both reads
        assert all(r.subject == child.national_id for r in exchange.requests)
        assert all(r.subject_citizen_id == placeholder.id != citizen.id for r in exchange.requests)
        assert all(r.acting_user == f"citizen:{citizen.id}" for r in exchange.requests)

    def test_a_child_already_known_to_the_portal_is_not_duplicated(
        self, db: Session, clean_engine, people, tmp_path
    ):
        citizen = create_citizen(db, people[0])
        child = create_citizen(db, people[3])
        make_parent_of(
            db, parent_national_id=people[0].national_id, child_national_id=people[3].national_id
        )
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("nhso.newborn-registration"),
            consented_datasets=["dopa.population", "dopa.birth_record"],
            answers={"child_national_id": people[3].national_id, "hospital": "รพ.ราชวิถี"},
            channel="web",
        )
        db.commit()
        exchange = FakeExchange()
        run_until_idle(clean_engine, ctx_with(exchange, tmp_path))
        assert {r.subject_citizen_id for r in exchange.requests} == {child.id}
        assert len(db.exec(select(Citizen)).all()) == 2


class TestBundleSiblings:
    def file_moving_house(self, db: Session, people) -> dict[str, Petition]:  # type: ignore[no-untyped-def]
        catalogue = get_catalogue()
        citizen = create_citizen(db, people[0])
        create_citizen(db, people[1])  # the house owner
        parts = submit_bundle(
            db,
            catalogue=catalogue,
            bundle=catalogue.get_bundle("bundle.moving-house"),
            citizen=citizen,
            consented_datasets=[
                "dopa.population",
                "dlt.vehicles",
                "dlt.driving_licence",
                "sso.insured",
            ],
            answers=MOVE_IN_ANSWERS,
            channel="web",
            idempotency_key="move",
        )
        db.commit()
        return {p.service_code: p for p in parts}

    def test_parts_reading_the_address_wait_for_the_move_in(
        self, db: Session, clean_engine, people, tmp_path
    ):
        parts = self.file_moving_house(db, people)
        move_in = parts.pop("dopa.move-in")
        assert len({p.bundle_id for p in [move_in, *parts.values()]}) == 1
        exchange = FakeExchange()
        ctx = ctx_with(exchange, tmp_path)
        run_until_idle(clean_engine, ctx)
        assert reload(db, move_in).state == PetitionState.AWAITING_APPROVAL
        for part in parts.values():
            assert reload(db, part).state == PetitionState.EVIDENCE_PENDING
        assert exchange.requests == []  # nobody read the old address

        owner = db.exec(select(Citizen).where(Citizen.national_id == people[1].national_id)).one()
        approval_id = db.exec(select(PetitionApproval.id)).one()
        decide_approval(db, approval_id=approval_id, approver=owner, approve=True)
        db.commit()
        run_until_idle(clean_engine, ctx)
        assert reload(db, move_in).state == PetitionState.IN_REVIEW  # an officer decides
        assert exchange.asked() == ["dopa.population"]  # the move-in's own read only
        for part in parts.values():
            assert reload(db, part).state == PetitionState.EVIDENCE_PENDING

        # The officer grants the move-in; the record is made and the waiting parts wake up.
        move_in = reload(db, move_in)
        change_state(db, move_in, PetitionState.APPROVED, actor="officer:1")
        db.add(PetitionJob(petition_id=move_in.id))
        db.commit()
        run_until_idle(clean_engine, ctx)
        assert reload(db, move_in).state == PetitionState.ISSUED
        for part in parts.values():
            assert reload(db, part).state == PetitionState.IN_REVIEW
        assert exchange.asked().count("dopa.population") == 4

    def test_when_the_move_in_is_declined_the_waiting_parts_are_rejected(
        self, db: Session, clean_engine, people, tmp_path
    ):
        parts = self.file_moving_house(db, people)
        move_in = parts.pop("dopa.move-in")
        exchange = FakeExchange()
        ctx = ctx_with(exchange, tmp_path)
        run_until_idle(clean_engine, ctx)
        owner = db.exec(select(Citizen).where(Citizen.national_id == people[1].national_id)).one()
        approval_id = db.exec(select(PetitionApproval.id)).one()
        decide_approval(db, approval_id=approval_id, approver=owner, approve=False)
        db.commit()
        run_until_idle(clean_engine, ctx)
        assert reload(db, move_in).state == PetitionState.REJECTED
        for part in parts.values():
            part = reload(db, part)
            assert part.state == PetitionState.REJECTED
            assert "Move-in notification" in part.decision_reason_en
        assert exchange.requests == []

    def test_a_petition_outside_a_bundle_never_waits(
        self, db: Session, clean_engine, people, tmp_path
    ):
        petition = submit_petition(
            db,
            citizen=create_citizen(db, people[0]),
            service=get_catalogue().get("sso.address-update"),
            consented_datasets=["dopa.population"],
            answers={},
            channel="web",
        )
        db.commit()
        exchange = FakeExchange()
        run_until_idle(clean_engine, ctx_with(exchange, tmp_path))
        assert reload(db, petition).state == PetitionState.IN_REVIEW
        assert exchange.asked() == ["dopa.population"]


class TestDefinitionSnapshot:
    def changed_catalogue(self, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        real = get_catalogue()
        service = real.get("dopa.residence-certificate")
        changed = service.model_copy(
            update={"decision": "one_officer", "version": service.version + 1}
        )
        catalogue = Catalogue(
            services=tuple(changed if s.code == service.code else s for s in real.services),
            bundles=real.bundles,
        )
        monkeypatch.setattr(processing, "get_catalogue", lambda: catalogue)

    def test_a_filed_petition_is_processed_under_the_definition_it_was_filed_under(
        self, db: Session, clean_engine, people, data_dir, monkeypatch
    ):
        petition = create_petition(db, create_citizen(db, people[0]))
        self.changed_catalogue(monkeypatch)
        ctx = context_for(registry_answering(population_answer(people[0])), data_dir)
        run_until_idle(clean_engine, ctx)
        petition = reload(db, petition)
        assert petition.state == PetitionState.ISSUED  # automatic, as when it was filed
        assert petition.definition["decision"] == "automatic"

    def test_a_petition_without_a_snapshot_uses_todays_definition(
        self, db: Session, clean_engine, people, data_dir, monkeypatch
    ):
        petition = create_petition(db, create_citizen(db, people[0]))
        petition.definition = {}
        db.add(petition)
        db.commit()
        self.changed_catalogue(monkeypatch)
        ctx = context_for(registry_answering(population_answer(people[0])), data_dir)
        run_until_idle(clean_engine, ctx)
        assert reload(db, petition).state == PetitionState.IN_REVIEW


class TestCertificateTheRegisterCannotVouchFor:
    def test_an_approved_petition_goes_back_to_an_officer_at_once_not_into_retries(
        self, db: Session, clean_engine, people, tmp_path
    ):
        """An officer approved a certificate of tax residence for a year the Revenue
        Department holds no record of: retrying cannot help, so the officer gets it back."""
        citizen = create_citizen(db, people[0])
        petition = Petition(
            citizen_id=citizen.id,  # type: ignore[arg-type]
            service_code="rd.tax-residence-certificate",
            service_version=1,
            agency="rd",
            definition=get_catalogue()
            .get("rd.tax-residence-certificate")
            .model_dump(mode="json", by_alias=True),
            state=PetitionState.APPROVED,
            answers={"tax_year": "2401", "country": "Japan"},
            evidence={
                "rd.taxpayer": {"residence": [{"tax_year": "2567", "resident": "yes"}]},
                "dopa.population": {"address": {}},
            },
        )
        db.add(petition)
        db.add(PetitionJob(petition_id=petition.id, kind="process"))
        db.commit()

        run_until_idle(clean_engine, ctx_with(FakeExchange(), tmp_path))

        db.expire_all()
        found = db.get(Petition, petition.id)
        assert found is not None and found.state == PetitionState.IN_REVIEW
        assert found.document_number is None
        job = db.exec(select(PetitionJob).where(PetitionJob.petition_id == petition.id)).one()
        assert job.state == JobState.DONE and job.attempts == 1  # finished, not to be retried
        events = db.exec(
            select(PetitionEvent).where(PetitionEvent.petition_id == petition.id)
        ).all()
        assert "no residence record for tax year 2401" in events[-1].note
