"""The public /pki page: CA certificates with fingerprints, in Thai and English."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from fastapi.testclient import TestClient

from documents.pki import load_cert, root_ca_paths
from portal.settings import Settings


def test_pki_page_lists_the_ca_certificates_with_fingerprints(
    client: TestClient, settings: Settings
) -> None:
    response = client.get("/pki")  # Thai is the default language
    assert response.status_code == 200
    html = response.text
    assert "ใบรับรองและรายการเพิกถอนใบรับรองของพอร์ทัล" in html
    root = load_cert(root_ca_paths(settings.data_dir)[1])
    assert root.fingerprint(hashes.SHA256()).hex(":").upper() in html
    assert "/pki/root.crt" in html and "/pki/issuing-ca.crl" in html
    client.cookies.set("portal_lang", "en")
    assert "Portal certificates and revocation lists" in client.get("/pki").text
