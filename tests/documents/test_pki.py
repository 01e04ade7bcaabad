from __future__ import annotations

import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from documents import pki
from documents.pki import (
    ensure_agency_seal,
    ensure_root_ca,
    get_agency_signer,
    issuing_ca_paths,
    load_trust_roots,
    root_ca_paths,
    seal_paths,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_root_ca_is_a_self_signed_rsa_3072_ca_for_twenty_years(tmp_path: Path) -> None:
    ensure_root_ca(tmp_path)
    _, cert_path = root_ca_paths(tmp_path)
    cert = _cert(cert_path)
    assert cert.issuer == cert.subject
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    public_key = cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 3072
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=365 * 20) <= lifetime <= timedelta(days=365 * 20 + 10)


def test_agency_seal_is_issued_by_the_issuing_ca_for_signing_only(tmp_path: Path) -> None:
    ensure_agency_seal(tmp_path, "dopa", "Department of Provincial Administration")
    root = _cert(issuing_ca_paths(tmp_path)[1])
    seal = _cert(seal_paths(tmp_path, "dopa")[1])

    assert seal.issuer == root.subject
    root_key = root.public_key()
    assert isinstance(root_key, rsa.RSAPublicKey)
    assert seal.signature_hash_algorithm is not None
    root_key.verify(
        seal.signature,
        seal.tbs_certificate_bytes,
        padding.PKCS1v15(),
        seal.signature_hash_algorithm,
    )
    assert not seal.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = seal.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    organisation = seal.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    common_name = seal.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert organisation == "Department of Provincial Administration"
    assert common_name == "Department of Provincial Administration document seal"
    public_key = seal.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 2048
    lifetime = seal.not_valid_after_utc - seal.not_valid_before_utc
    assert timedelta(days=365 * 3) <= lifetime <= timedelta(days=365 * 3 + 2)


def test_long_agency_name_is_shortened_to_fit_the_certificate(tmp_path: Path) -> None:
    name = "Department of Something With a Very Long Official English Name, Ministry of Things"
    ensure_agency_seal(tmp_path, "long", name)
    seal = _cert(seal_paths(tmp_path, "long")[1])
    common_name = seal.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert isinstance(common_name, str)
    assert len(common_name) <= 64 and common_name.endswith(" document seal")


def test_key_material_is_private(tmp_path: Path) -> None:
    ensure_agency_seal(tmp_path, "dopa", "Department of Provincial Administration")
    pki_dir = tmp_path / "pki"
    directories = [pki_dir, *(p for p in pki_dir.rglob("*") if p.is_dir())]
    files = [p for p in pki_dir.rglob("*") if p.is_file()]
    assert {_mode(d) for d in directories} == {0o700}
    assert {_mode(f) for f in files} == {0o600}
    assert not list(pki_dir.rglob("*.tmp"))


def test_key_files_are_ignored_by_git() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "var/pki/root/ca.key.pem"], cwd=REPO_ROOT, check=False
    )
    assert ignored.returncode == 0


def test_ensure_is_idempotent(tmp_path: Path) -> None:
    ensure_agency_seal(tmp_path, "dopa", "Department of Provincial Administration")
    before = {p: p.read_bytes() for p in (tmp_path / "pki").rglob("*.pem")}
    ensure_root_ca(tmp_path)
    ensure_agency_seal(tmp_path, "dopa", "Department of Provincial Administration")
    after = {p: p.read_bytes() for p in (tmp_path / "pki").rglob("*.pem")}
    assert before == after


def test_seal_near_expiry_is_renewed_and_the_old_one_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_agency_seal(tmp_path, "dopa", "Department of Provincial Administration")
    old = _cert(seal_paths(tmp_path, "dopa")[1])
    monkeypatch.setattr(pki, "SEAL_RENEW_BEFORE", timedelta(days=4 * 365))
    ensure_agency_seal(tmp_path, "dopa", "Department of Provincial Administration")
    new = _cert(seal_paths(tmp_path, "dopa")[1])
    assert new.serial_number != old.serial_number
    retired = list((tmp_path / "pki" / "seals").glob("dopa.cert.pem.retired-*"))
    assert [_cert(p).serial_number for p in retired] == [old.serial_number]


def test_two_processes_starting_together_create_one_root(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from documents.pki import ensure_agency_seal; "
        "ensure_agency_seal(Path(sys.argv[1]), sys.argv[2], 'Agency ' + sys.argv[2])"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), code], cwd=REPO_ROOT)
        for code in ("dopa", "rd", "dol")
    ]
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0]
    root = _cert(issuing_ca_paths(tmp_path)[1])
    for code in ("dopa", "rd", "dol"):
        assert _cert(seal_paths(tmp_path, code)[1]).issuer == root.subject
        assert _cert(seal_paths(tmp_path, code)[1]).not_valid_before_utc < datetime.now(UTC)
    assert len(list((tmp_path / "pki" / "root").glob("*.pem"))) == 2


def test_trust_roots_are_our_root_only(tmp_path: Path) -> None:
    assert load_trust_roots(tmp_path) == []
    ensure_root_ca(tmp_path)
    roots = load_trust_roots(tmp_path)
    assert len(roots) == 1
    assert roots[0].subject.native["common_name"] == "Citizen Service Portal Root CA"


def test_signer_is_created_on_first_use_and_cached(tmp_path: Path) -> None:
    signer = get_agency_signer(tmp_path, "rd", "Revenue Department")
    assert seal_paths(tmp_path, "rd")[1].exists()
    assert get_agency_signer(tmp_path, "rd", "Revenue Department") is signer
    assert get_agency_signer(tmp_path, "RD", "Revenue Department") is signer
    assert signer.signing_cert.subject.native["organization_name"] == "Revenue Department"


def test_signer_embeds_the_root_so_verifiers_can_build_the_chain(tmp_path: Path) -> None:
    signer = get_agency_signer(tmp_path, "dopa", "Department of Provincial Administration")
    (root,) = load_trust_roots(tmp_path)
    assert signer.cert_registry is not None
    assert root.dump() in [cert.dump() for cert in signer.cert_registry]


def test_cached_key_signs_like_a_freshly_loaded_one(tmp_path: Path) -> None:
    signer = get_agency_signer(tmp_path, "dopa", "Department of Provincial Administration")
    data = b"certificate bytes"
    signature = signer.sign_raw(data, "sha256")
    seal = _cert(seal_paths(tmp_path, "dopa")[1])
    public_key = seal.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("code", ["../x", "do pa", "", "ดปค"])
def test_agency_code_cannot_name_a_path(tmp_path: Path, code: str) -> None:
    with pytest.raises(ValueError):
        seal_paths(tmp_path, code)


def test_hierarchy_is_root_then_issuing_ca_then_seals_and_tsa(tmp_path: Path) -> None:
    ensure_agency_seal(tmp_path, "dopa", "Department of Provincial Administration")
    root = _cert(root_ca_paths(tmp_path)[1])
    issuing = _cert(issuing_ca_paths(tmp_path)[1])
    tsa = _cert(tmp_path / "pki" / "tsa" / "tsa.cert.pem")

    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 1
    constraints = issuing.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    assert issuing.issuer == root.subject and tsa.issuer == issuing.subject
    assert issuing.not_valid_after_utc <= root.not_valid_after_utc
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    points = issuing.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for p in points for n in p.full_name or []][0].endswith("/pki/root.crl")
