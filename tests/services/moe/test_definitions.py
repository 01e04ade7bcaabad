from __future__ import annotations

from decimal import Decimal

import services.moe as moe
from services.agencies import definitions_dir
from services.catalogue.service import load_definition


def test_the_education_record_loads(monkeypatch):
    service = load_definition(definitions_dir(moe) / "education-record.yaml")
    assert service.code == "moe.education-record"
    assert (service.decision, service.processing_days, service.fee_baht) == (
        "automatic",
        3,
        Decimal(0),
    )
    assert service.min_ial == 1.3
    assert set(service.channels) == {"web", "api", "kiosk"}
    assert set(service.life_events) == {"new-job", "studying"}
    assert service.certificate is not None
    assert service.certificate.template in moe.CERTIFICATE_CONTEXTS
    assert (service.paper_documents_before, service.paper_documents_now) == (2, 0)


def test_a_citizen_may_bring_a_transcript_instead(monkeypatch):
    service = load_definition(definitions_dir(moe) / "education-record.yaml")
    item = service.evidence_item("moe.education")
    assert item is not None and item.upload_instead is not None
    assert "ใบรับรองผลการศึกษา" in item.upload_instead.th
