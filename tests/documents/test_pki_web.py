"""What the CA publishes over HTTP: CRLs from the revocation table, certificates, the TSA.

The routes run in a small app holding only the PKI router (on the migrated databases: SQLite,
and PostgreSQL when configured); the TSA round trip goes over a real socket with uvicorn and
pyHanko's own HTTP client, as a production signer would call a TSA.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pyhanko.sign.timestamps import HTTPTimeStamper
from sqlalchemy.engine import Engine
from sqlmodel import Session

from documents.crl import publish_crls, revoke_certificate
from documents.pki import issuing_ca_paths, load_cert, load_trust_roots, root_ca_paths, seal_paths
from documents.render import render_certificate_pdf
from documents.sign import seal_pdf
from documents.tsa import clear_timestamper_cache
from documents.verify import check_pdf_signature
from portal.errors import PortalError
from portal.settings import Settings
from portal.web.pki import router
from tests.documents.factories import AGENCY_CODE, AGENCY_NAME_EN, full_residence_context
from tests.fixtures.servers import free_port, start_live_server


@pytest.fixture
def pki_app(clean_engine: Engine, data_dir: Path) -> Iterator[FastAPI]:
    app = FastAPI()
    app.state.engine = clean_engine
    app.state.settings = Settings(data_dir=data_dir, database_url=str(clean_engine.url))
    app.include_router(router)

    @app.exception_handler(PortalError)
    async def portal_error(request: Request, exc: PortalError) -> JSONResponse:
        return JSONResponse(exc.as_json(), status_code=exc.status_code)

    yield app
    clear_timestamper_cache()


@pytest.fixture
def http(pki_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(pki_app) as client:
        yield client


def test_issuing_crl_lists_a_revoked_seal_and_is_signed_by_the_issuing_ca(
    http: TestClient, clean_engine: Engine, data_dir: Path
) -> None:
    serial = load_cert(seal_paths(data_dir, AGENCY_CODE)[1]).serial_number
    before = x509.load_der_x509_crl(http.get("/pki/issuing-ca.crl").content)
    assert before.get_revoked_certificate_by_serial_number(serial) is None

    with Session(clean_engine) as db:
        revoke_certificate(db, data_dir, serial_hex=format(serial, "x"), reason="key_compromise")
        db.commit()
    response = http.get("/pki/issuing-ca.crl")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pkix-crl"
    assert "max-age" in response.headers["cache-control"]
    crl = x509.load_der_x509_crl(response.content)
    entry = crl.get_revoked_certificate_by_serial_number(serial)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    issuing = load_cert(issuing_ca_paths(data_dir)[1])
    assert crl.issuer == issuing.subject and crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    assert crl.next_update_utc is not None and crl.last_update_utc < crl.next_update_utc
    # the root's CRL lists issuing CAs only
    root_crl = x509.load_der_x509_crl(http.get("/pki/root.crl").content)
    assert len(root_crl) == 0
    assert root_crl.is_signature_valid(load_cert(root_ca_paths(data_dir)[1]).public_key())  # type: ignore[arg-type]


def test_published_crl_files_follow_the_table(clean_engine: Engine, data_dir: Path) -> None:
    serial = load_cert(seal_paths(data_dir, AGENCY_CODE)[1]).serial_number
    with Session(clean_engine) as db:
        revoke_certificate(db, data_dir, serial_hex=format(serial, "x"), reason="superseded")
        published = publish_crls(db, data_dir)
        db.commit()
    crl = x509.load_der_x509_crl(published["issuing"])
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None


def test_ca_certificates_are_served_as_der(http: TestClient, data_dir: Path) -> None:
    for path, expected in [
        ("/pki/root.crt", root_ca_paths(data_dir)[1]),
        ("/pki/issuing-ca.crt", issuing_ca_paths(data_dir)[1]),
    ]:
        response = http.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pkix-cert"
        assert x509.load_der_x509_certificate(response.content) == load_cert(expected)


def test_seal_names_where_its_issuer_and_crl_are_published(data_dir: Path) -> None:
    seal = load_cert(seal_paths(data_dir, AGENCY_CODE)[1])
    points = seal.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    urls = [name.value for point in points for name in point.full_name or []]
    assert len(urls) == 1 and urls[0].endswith("/pki/issuing-ca.crl")
    access = seal.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_location.value for a in access][0].endswith("/pki/issuing-ca.crt")


class TestTimestampAuthority:
    def test_round_trip_over_a_socket_with_pyhanko_http_client(
        self, pki_app: FastAPI, data_dir: Path
    ) -> None:
        server = start_live_server(pki_app, free_port())
        try:
            timestamper = HTTPTimeStamper(f"{server.url}/pki/tsa")
            sealed = seal_pdf(
                render_certificate_pdf("residence", full_residence_context()),
                data_dir=data_dir,
                agency_code=AGENCY_CODE,
                agency_name_en=AGENCY_NAME_EN,
                reason="Test",
                location="Thailand",
                timestamper=timestamper,
            )
        finally:
            server.stop()
        report = check_pdf_signature(sealed.pdf, load_trust_roots(data_dir))
        assert report.trusted and report.timestamp_trusted
        assert sealed.timestamped_at is not None
        assert report.timestamp_at == sealed.timestamped_at

    def test_token_is_signed_by_the_tsa_certificate(self, http: TestClient, data_dir: Path) -> None:
        request = tsp.TimeStampReq(
            {
                "version": 1,
                "message_imprint": {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": b"\x01" * 32,
                },
                "nonce": 12345,
                "cert_req": True,
            }
        )
        response = http.post(
            "/pki/tsa",
            content=request.dump(),
            headers={"content-type": "application/timestamp-query"},
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/timestamp-reply"
        reply = tsp.TimeStampResp.load(response.content)
        assert reply["status"]["status"].native == "granted"
        signed = reply["time_stamp_token"]["content"]
        info = signed["encap_content_info"]["content"].parsed
        assert info["nonce"].native == 12345
        assert info["message_imprint"]["hashed_message"].native == b"\x01" * 32
        signer = signed["signer_infos"][0]
        tsa = load_cert(data_dir / "pki" / "tsa" / "tsa.cert.pem")
        public_key = tsa.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        public_key.verify(
            signer["signature"].native,
            signer["signed_attrs"].untag().dump(),  # signed as a SET, not as [0]
            padding.PKCS1v15(),
            hashes.SHA256(),
        )

    def test_garbage_gets_a_rfc3161_rejection(self, http: TestClient) -> None:
        response = http.post(
            "/pki/tsa",
            content=b"\x30\x03junk",
            headers={"content-type": "application/timestamp-query"},
        )
        assert response.status_code == 200
        # A rejection has no token, which asn1crypto's TimeStampResp cannot parse: read the
        # PKIStatusInfo inside the outer SEQUENCE.
        status = tsp.PKIStatusInfo.load(core.Sequence.load(response.content).contents)
        assert status["status"].native == "rejection"
        assert status["fail_info"].native == {"bad_data_format"}

    def test_wrong_content_type_is_refused_in_thai_and_english(self, http: TestClient) -> None:
        response = http.post("/pki/tsa", content=b"x", headers={"content-type": "text/plain"})
        assert response.status_code == 415
        body = response.json()
        assert "RFC 3161" in str(body) and "คำขอ" in str(body)

    def test_oversized_request_is_refused(self, http: TestClient) -> None:
        response = http.post(
            "/pki/tsa",
            content=b"\x00" * 20_000,
            headers={"content-type": "application/timestamp-query"},
        )
        assert response.status_code == 413

    def test_one_client_gets_429_after_its_burst(self, http: TestClient) -> None:
        from portal.web.pki import TSA_BURST

        statuses = [
            http.post("/pki/tsa", content=b"x", headers={"content-type": "text/plain"}).status_code
            for _ in range(TSA_BURST + 1)
        ]
        assert statuses[:TSA_BURST] == [415] * TSA_BURST
        assert statuses[-1] == 429
