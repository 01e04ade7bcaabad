"""Independent validators agree with us: poppler's pdfsig (NSS), OpenSSL, pyHanko's LTV mode.

Each runs against an issued certificate with only our root as trust anchor and no network:
- pdfsig with an NSS database that trusts our root: valid signature, trusted certificate;
- `openssl cms -verify` over the signed byte ranges with our CA chain;
- `openssl ts -verify` of the embedded RFC 3161 token against the signature value;
- pyHanko's PAdES-LT validation with fetching disabled (validation data from the file alone).
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation.ades import (
    AdESWithTimeValidationResult,
    _dss_to_local_knowledge,
    ades_with_time_validation,
)
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from sqlmodel import Session

from documents.pki import issuing_ca_paths, load_cert, load_trust_roots, root_ca_paths
from documents.service import read_document_pdf
from tests.documents.factories import issue_residence
from tests.documents.test_sign_verify import byte_range, flip

pytestmark = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("openssl") is None,
    reason="poppler-utils and openssl are installed by `make`",
)


@pytest.fixture
def signed_pdf(db: Session, data_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "signed.pdf"
    path.write_bytes(read_document_pdf(data_dir, issue_residence(db, data_dir)))
    return path


def _pem(path: Path) -> bytes:
    return load_cert(path).public_bytes(serialization.Encoding.PEM)


def _signed_data(pdf: bytes) -> tuple[bytes, bytes]:
    """(the CMS blob, the bytes its signature covers)."""
    a, b, c, d = byte_range(pdf)
    contents_hex = pdf[a + b + 1 : c - 1]
    blob = bytes.fromhex(contents_hex.decode())
    length = len(cms.ContentInfo.load(blob, strict=False).dump())
    return blob[:length], pdf[a : a + b] + pdf[c : c + d]


@pytest.mark.skipif(shutil.which("certutil") is None, reason="libnss3-tools is installed by make")
def test_pdfsig_with_our_root_in_nss_says_valid_and_trusted(
    signed_pdf: Path, data_dir: Path, tmp_path: Path
) -> None:
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    root_pem = tmp_path / "root.pem"
    root_pem.write_bytes(_pem(root_ca_paths(data_dir)[1]))
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "portal-root", "-t", "C,C,C", "-i", root_pem],
        check=True,
    )
    output = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(signed_pdf)], capture_output=True, text=True
    ).stdout

    assert "Signature Validation: Signature is Valid." in output, output
    assert "Certificate Validation: Certificate is Trusted." in output, output
    assert "Signature Type: ETSI.CAdES.detached" in output

    # Same NSS database, a changed byte: no longer valid (the test can fail).
    pdf = signed_pdf.read_bytes()
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip(pdf, byte_range(pdf)[1] // 2))
    output = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(tampered)], capture_output=True, text=True
    ).stdout
    assert "Signature is Valid." not in output


def test_openssl_cms_verifies_the_signature_with_our_chain(
    signed_pdf: Path, data_dir: Path, tmp_path: Path
) -> None:
    blob, content = _signed_data(signed_pdf.read_bytes())
    (tmp_path / "sig.der").write_bytes(blob)
    (tmp_path / "content.bin").write_bytes(content)
    (tmp_path / "ca.pem").write_bytes(
        _pem(root_ca_paths(data_dir)[1]) + _pem(issuing_ca_paths(data_dir)[1])
    )

    def verify(content_file: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "openssl", "cms", "-verify", "-binary", "-inform", "DER",
                "-in", "sig.der", "-content", content_file,
                "-CAfile", "ca.pem", "-purpose", "any", "-out", "/dev/null",
            ],
            cwd=tmp_path, capture_output=True, text=True,
        )  # fmt: skip

    result = verify("content.bin")
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr

    (tmp_path / "other.bin").write_bytes(content[:-1] + bytes([content[-1] ^ 1]))
    assert verify("other.bin").returncode != 0


def test_openssl_ts_verifies_the_signature_timestamp(
    signed_pdf: Path, data_dir: Path, tmp_path: Path
) -> None:
    blob, _ = _signed_data(signed_pdf.read_bytes())
    signer_info = cms.ContentInfo.load(blob)["content"]["signer_infos"][0]
    token = next(
        attr["values"][0]
        for attr in signer_info["unsigned_attrs"]
        if attr["type"].native == "signature_time_stamp_token"
    )
    (tmp_path / "token.der").write_bytes(token.dump())
    # RFC 3161 over the signature value (ETSI EN 319 122 signature-time-stamp).
    digest = hashlib.sha256(signer_info["signature"].native).hexdigest()
    (tmp_path / "ca.pem").write_bytes(
        _pem(root_ca_paths(data_dir)[1]) + _pem(issuing_ca_paths(data_dir)[1])
    )

    def verify(hex_digest: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "openssl", "ts", "-verify", "-digest", hex_digest, "-token_in",
                "-in", "token.der", "-CAfile", "ca.pem",
            ],
            cwd=tmp_path, capture_output=True, text=True,
        )  # fmt: skip

    result = verify(digest)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verification: OK" in result.stdout
    assert verify(hashlib.sha256(b"something else").hexdigest()).returncode != 0


def test_pyhanko_validates_pades_lt_from_the_file_alone(signed_pdf: Path, data_dir: Path) -> None:
    """ETSI EN 319 102-1 long-term validation: CRLs are required, and only the file has them."""
    crls_required = CertRevTrustPolicy(
        RevocationCheckingPolicy(
            ee_certificate_rule=RevocationCheckingRule.CRL_REQUIRED,
            intermediate_ca_cert_rule=RevocationCheckingRule.CRL_REQUIRED,
        )
    )
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=load_trust_roots(data_dir)),
        revinfo_policy=crls_required,
    )
    reader = PdfFileReader(BytesIO(signed_pdf.read_bytes()))
    embedded = reader.embedded_signatures[0]

    def validate(knowledge: LocalKnowledge) -> AdESWithTimeValidationResult:
        spec = SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
            local_knowledge=knowledge,
        )
        return asyncio.run(
            ades_with_time_validation(
                embedded.signed_data, spec, raw_digest=embedded.compute_digest()
            )
        )

    from_file = validate(_dss_to_local_knowledge(reader))
    assert from_file.ades_subindic is None or from_file.ades_subindic.status == AdESStatus.PASSED, (
        from_file.ades_subindic
    )
    assert from_file.api_status is not None and from_file.api_status.bottom_line
    assert from_file.best_signature_time < datetime.now(UTC)  # proven by the timestamp

    # Without the file's DSS the same policy cannot find the CRLs: the check is real.
    without = validate(LocalKnowledge(known_certs=_dss_to_local_knowledge(reader).known_certs))
    assert without.ades_subindic is not None and without.ades_subindic.status != AdESStatus.PASSED
