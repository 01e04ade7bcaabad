from __future__ import annotations

from decimal import Decimal

import services.rtp as rtp
from services.agencies import definitions_dir
from services.catalogue.service import load_definition


def test_the_criminal_record_certificate_loads(monkeypatch):
    service = load_definition(definitions_dir(rtp) / "criminal-record-certificate.yaml")
    assert service.code == "rtp.criminal-record-certificate"
    assert (service.decision, service.processing_days, service.fee_baht) == (
        "two_officers",
        5,
        Decimal(100),
    )
    assert service.min_ial == 2.3
    assert set(service.channels) == {"web", "api"}
    assert set(service.life_events) == {"new-job", "travelling-abroad"}
    assert service.certificate is not None
    assert service.certificate.template in rtp.CERTIFICATE_CONTEXTS
    assert (service.paper_documents_before, service.paper_documents_now) == (2, 0)


def test_the_police_check_needs_consent_and_cannot_be_replaced_by_a_copy(monkeypatch):
    service = load_definition(definitions_dir(rtp) / "criminal-record-certificate.yaml")
    check = service.evidence_item("rtp.criminal_record")
    assert check is not None
    assert check.consent_required and check.upload_instead is None
