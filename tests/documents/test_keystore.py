"""Seal keys from PKCS#12 files and from a PKCS#11 token (SoftHSM2) sign like generated ones."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from documents import pki
from documents.keystore import KeystoreError, Pkcs11Keystore, Pkcs12Keystore, keystore_for
from documents.render import render_certificate_pdf
from documents.sign import seal_pdf
from documents.verify import check_pdf_signature
from tests.documents.factories import AGENCY_NAME_EN, full_residence_context

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return render_certificate_pdf("residence", full_residence_context())


def _issue(data_dir: Path, public_key: rsa.RSAPublicKey) -> x509.Certificate:
    """A seal certificate from our issuing CA for a key generated elsewhere (file or HSM)."""
    pki.ensure_ca(data_dir)
    issuer_key = pki.load_private_key(pki.issuing_ca_paths(data_dir)[0])
    issuer = pki.load_cert(pki.issuing_ca_paths(data_dir)[1])
    return pki.issue_seal_certificate(
        public_key, AGENCY_NAME_EN, issuer_key, issuer, base_url="https://portal.example"
    )


def _seal(pdf: bytes, data_dir: Path, keystore: object, code: str) -> bytes:
    return seal_pdf(
        pdf,
        data_dir=data_dir,
        agency_code=code,
        agency_name_en=AGENCY_NAME_EN,
        reason="Test",
        location="Thailand",
        keystore=keystore,  # type: ignore[arg-type]
    ).pdf


class TestPkcs12:
    def test_agency_p12_signs_a_trusted_timestamped_signature(
        self, data_dir: Path, tmp_path: Path, unsigned_pdf: bytes
    ) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _issue(data_dir, key.public_key())
        p12_dir = tmp_path / "p12"
        p12_dir.mkdir()
        (p12_dir / "rd.p12").write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"rd",
                key,
                cert,
                pki.ca_chain(data_dir),
                serialization.BestAvailableEncryption(b"s3cret"),
            )
        )
        store = Pkcs12Keystore(p12_dir, "s3cret", data_dir)

        signed = _seal(unsigned_pdf, data_dir, store, "rd")

        report = check_pdf_signature(signed, pki.load_trust_roots(data_dir))
        assert report.trusted and report.timestamp_trusted and report.ltv_embedded
        assert report.seal_serial == format(cert.serial_number, "x")

    def test_wrong_password_or_missing_file_is_a_clear_error(
        self, data_dir: Path, tmp_path: Path
    ) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (tmp_path / "rd.p12").write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"rd",
                key,
                _issue(data_dir, key.public_key()),
                None,
                serialization.BestAvailableEncryption(b"right"),
            )
        )
        with pytest.raises(KeystoreError):
            Pkcs12Keystore(tmp_path, "wrong", data_dir).signer("rd", AGENCY_NAME_EN)
        with pytest.raises(KeystoreError):
            Pkcs12Keystore(tmp_path, "right", data_dir).signer("dol", AGENCY_NAME_EN)

    def test_keystore_kind_needs_its_settings(self, data_dir: Path) -> None:
        with pytest.raises(KeystoreError):
            keystore_for(data_dir, kind="pkcs12")
        with pytest.raises(KeystoreError):
            keystore_for(data_dir, kind="pkcs11")


@pytest.fixture(scope="module")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A SoftHSM2 token `portal` (user PIN 1234) in a private token directory."""
    if not (Path(SOFTHSM_MODULE).exists() and shutil.which("softhsm2-util")):
        pytest.fail("SoftHSM2 is missing: `make` installs softhsm2 (apt)")
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util", "--init-token", "--free", "--label", "portal",
            "--pin", "1234", "--so-pin", "5678",
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    yield "portal", "1234"
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


class TestPkcs11:
    def test_hsm_key_signs_a_trusted_timestamped_signature(
        self, softhsm_token: tuple[str, str], data_dir: Path, unsigned_pdf: bytes
    ) -> None:
        import pkcs11
        from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
        from pkcs11.util.rsa import encode_rsa_public_key

        label, pin = softhsm_token
        token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=label)
        with token.open(rw=True, user_pin=pin) as session:
            public, _ = session.generate_keypair(
                KeyType.RSA, 2048, label="sso", id=b"\x01", store=True
            )
            public_key = serialization.load_der_public_key(encode_rsa_public_key(public))
            assert isinstance(public_key, rsa.RSAPublicKey)
            cert = _issue(data_dir, public_key)  # the private key never leaves the token
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: "sso",
                    Attribute.ID: b"\x01",
                    Attribute.SUBJECT: cert.subject.public_bytes(),
                    Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                }
            )
        store = Pkcs11Keystore(SOFTHSM_MODULE, label, pin, data_dir)
        try:
            signed = _seal(unsigned_pdf, data_dir, store, "sso")
            with pytest.raises(KeystoreError):
                store.signer("dol", AGENCY_NAME_EN)  # no such label on the token
        finally:
            store.close()

        report = check_pdf_signature(signed, pki.load_trust_roots(data_dir))
        assert report.trusted and report.timestamp_trusted, report.problem
        assert report.seal_serial == format(cert.serial_number, "x")
