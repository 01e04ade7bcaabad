"""Key material for sealing documents: one portal root CA, one seal certificate per agency.

Layout under `data_dir / "pki"` (directories 0700, files 0600, never in git):

    pki/.lock                     serialises first-run creation across processes
    pki/root/ca.key.pem           RSA 3072, self-signed, CA:TRUE, 20 years
    pki/root/ca.cert.pem
    pki/seals/<code>.key.pem      RSA 2048, issued by the root, CA:FALSE, 3 years
    pki/seals/<code>.cert.pem

Seals are issued by a CA rather than self-signed because poppler's `pdfsig` (and Acrobat) only
build chains to certificates marked as CAs. See docs/decisions/0002-document-signing.md.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

ROOT_KEY_BITS = 3072
SEAL_KEY_BITS = 2048
ROOT_VALIDITY = timedelta(days=20 * 365 + 5)
SEAL_VALIDITY = timedelta(days=3 * 365 + 1)
# A seal this close to expiry is replaced, so a document is never signed by a nearly dead key.
SEAL_RENEW_BEFORE = timedelta(days=30)
ROOT_COMMON_NAME = "Citizen Service Portal Root CA"
PORTAL_ORGANISATION = "Citizen Service Portal"
SEAL_CN_SUFFIX = " document seal"


def pki_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "pki"


def root_ca_paths(data_dir: Path) -> tuple[Path, Path]:
    """(key, certificate) PEM paths of the portal root CA."""
    root = pki_dir(data_dir) / "root"
    return root / "ca.key.pem", root / "ca.cert.pem"


def seal_paths(data_dir: Path, agency_code: str) -> tuple[Path, Path]:
    """(key, certificate) PEM paths of an agency's seal."""
    if not agency_code.isascii() or not agency_code.isalnum():
        raise ValueError(f"not an agency code: {agency_code!r}")
    seals = pki_dir(data_dir) / "seals"
    code = agency_code.lower()
    return seals / f"{code}.key.pem", seals / f"{code}.cert.pem"


# --- creation ---------------------------------------------------------------------------------


def ensure_root_ca(data_dir: Path) -> None:
    """Creates the portal root CA on first run; a no-op once it exists."""
    with _pki_lock(data_dir):
        _ensure_root_ca_locked(data_dir)


def ensure_agency_seal(data_dir: Path, agency_code: str, agency_name_en: str) -> None:
    """Creates (or renews, when near expiry) the agency's seal certificate, issued by the root."""
    with _pki_lock(data_dir):
        _ensure_root_ca_locked(data_dir)
        key_path, cert_path = seal_paths(data_dir, agency_code)
        if key_path.exists() and cert_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            if cert.not_valid_after_utc - _now() > SEAL_RENEW_BEFORE:
                return
            _retire(key_path, cert_path, cert)
        root_key_path, root_cert_path = root_ca_paths(data_dir)
        root_key = serialization.load_pem_private_key(root_key_path.read_bytes(), password=None)
        root_cert = x509.load_pem_x509_certificate(root_cert_path.read_bytes())
        key = rsa.generate_private_key(public_exponent=65537, key_size=SEAL_KEY_BITS)
        cert = _issue_seal_certificate(key, agency_name_en, root_key, root_cert)
        _write_private(key_path, _key_pem(key))
        _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def _ensure_root_ca_locked(data_dir: Path) -> None:
    key_path, cert_path = root_ca_paths(data_dir)
    if key_path.exists() and cert_path.exists():
        return
    key = rsa.generate_private_key(public_exponent=65537, key_size=ROOT_KEY_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, PORTAL_ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, ROOT_COMMON_NAME),
        ]
    )
    now = _now()
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(_serial())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _key_pem(key))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def _issue_seal_certificate(
    key: rsa.RSAPrivateKey,
    agency_name_en: str,
    root_key: CertificateIssuerPrivateKeyTypes,
    root_cert: x509.Certificate,
) -> x509.Certificate:
    # X.520 caps O and CN at 64 characters; long agency names are shortened, never refused.
    organisation = agency_name_en.strip()[:64]
    common_name = f"{agency_name_en.strip()[: 64 - len(SEAL_CN_SUFFIX)].rstrip()}{SEAL_CN_SUFFIX}"
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = _now()
    not_after = min(now + SEAL_VALIDITY, root_cert.not_valid_after_utc)
    root_ski = root_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_seal_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _seal_key_usage() -> x509.KeyUsage:
    # content_commitment is X.509's name for nonRepudiation, which pyHanko expects on PDF signers.
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _retire(key_path: Path, cert_path: Path, cert: x509.Certificate) -> None:
    """Keeps a replaced seal beside the new one (by serial) for audit; it is never used again."""
    suffix = f".retired-{cert.serial_number:x}"
    os.replace(key_path, key_path.with_name(key_path.name + suffix))
    os.replace(cert_path, cert_path.with_name(cert_path.name + suffix))


@contextmanager
def _pki_lock(data_dir: Path) -> Iterator[None]:
    """An exclusive flock, so two processes starting together create one root, not two."""
    directory = pki_dir(data_dir)
    _make_private_dir(directory)
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _make_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)  # mkdir's mode is filtered by the umask


def _write_private(path: Path, data: bytes) -> None:
    """Writes `data` atomically with mode 0600 from the first byte (no window with wider rights)."""
    _make_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    # Unencrypted at rest, protected by file mode; an HSM replaces this (see ADR 0002).
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _serial() -> int:
    # RFC 5280 allows 20 octets; 159 random bits keep the serial positive and unpredictable.
    return secrets.randbits(159) | 1


def _now() -> datetime:
    return datetime.now(UTC)


# --- loading ----------------------------------------------------------------------------------


def load_trust_roots(data_dir: Path) -> list[asn1_x509.Certificate]:
    """The certificates verification trusts: our root CA (none before the first document).

    A list, so a retired root can be added here when the root is rotated.
    """
    _, cert_path = root_ca_paths(data_dir)
    if not cert_path.exists():
        return []
    return [_asn1_cert(x509.load_pem_x509_certificate(cert_path.read_bytes()))]


class PreloadedKeySigner(SimpleSigner):
    """A SimpleSigner that keeps the parsed private key.

    SimpleSigner.sign_raw re-parses its key from DER on every call, and pyca checks an RSA key's
    consistency on every parse (about 40 ms for RSA 2048; twice per document, since pyHanko also
    signs a dummy to size the signature field). Parsing once per process removes that.
    """

    def __init__(
        self,
        *,
        private_key: rsa.RSAPrivateKey,
        signing_cert: asn1_x509.Certificate,
        cert_registry: SimpleCertificateStore,
    ) -> None:
        key_der = private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        super().__init__(
            signing_cert=signing_cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=cert_registry,
        )
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._private_key.sign(data, padding.PKCS1v15(), _hash(digest_algorithm))


def _hash(digest_algorithm: str) -> hashes.HashAlgorithm:
    algorithms: dict[str, hashes.HashAlgorithm] = {
        "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }
    try:
        return algorithms[digest_algorithm.lower()]
    except KeyError:
        raise ValueError(f"unsupported digest algorithm: {digest_algorithm}") from None


@dataclass(frozen=True)
class _CachedSigner:
    signer: PreloadedKeySigner
    renew_after: datetime


_signers: dict[tuple[Path, str], _CachedSigner] = {}
_signers_lock = threading.Lock()


def get_agency_signer(data_dir: Path, agency_code: str, agency_name_en: str) -> SimpleSigner:
    """The agency's seal signer, created on first use and cached for the life of the process.

    The signer's certificate store holds the root, so the whole chain is embedded in each
    signature and a verifier needs nothing but the root.
    """
    cache_key = (Path(data_dir).resolve(), agency_code.lower())
    with _signers_lock:
        cached = _signers.get(cache_key)
        if cached is not None and _now() < cached.renew_after:
            return cached.signer
        ensure_agency_seal(data_dir, agency_code, agency_name_en)
        key_path, cert_path = seal_paths(data_dir, agency_code)
        _, root_cert_path = root_ca_paths(data_dir)
        private_key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError(f"{key_path} is not an RSA key")
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        root = x509.load_pem_x509_certificate(root_cert_path.read_bytes())
        signer = PreloadedKeySigner(
            private_key=private_key,
            signing_cert=_asn1_cert(cert),
            cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(root)]),
        )
        renew_after = cert.not_valid_after_utc - SEAL_RENEW_BEFORE
        _signers[cache_key] = _CachedSigner(signer=signer, renew_after=renew_after)
        return signer


def clear_signer_cache() -> None:
    """Forgets cached signers (tests; after replacing key files by hand)."""
    with _signers_lock:
        _signers.clear()


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
