"""Admin actions on the web are audited too: activating a kiosk device."""

from __future__ import annotations

from sqlmodel import Session

from identity.kiosks.service import register_kiosk
from services.audit.service import list_events_for
from tests.fixtures.identity import parse_forms


def test_activating_a_kiosk_is_an_audit_event(db: Session, client):
    device, code = register_kiosk(db, name="K1", location="Office", agency="dopa")
    db.commit()
    page = client.get("/kiosk/activate")
    fields = next(f for f in parse_forms(page.text) if f["method"] == "post")["fields"]
    answer = client.post(
        "/kiosk/activate", data=fields | {"activation_code": code}, follow_redirects=False
    )
    assert answer.status_code == 303
    trail = list_events_for(db, object_type="kiosk", object_id=device.id or 0)
    assert [(e.actor, e.action) for e in trail] == [(f"kiosk:{device.id}", "kiosk.activate")]
