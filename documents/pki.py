"""The portal's CA hierarchy: root CA -> issuing CA -> agency seals and the timestamp authority.

Layout under `data_dir / "pki"` (directories 0700, files 0600, never in git):

    pki/.lock                          serialises creation and rotation across processes
    pki/root/ca.{key,cert}.pem         RSA 3072, self-signed, CA pathlen 1, 20 years
    pki/issuing/ca.{key,cert}.pem      RSA 3072, issued by the root, CA pathlen 0, 10 years
    pki/tsa/tsa.{key,cert}.pem         RSA 2048, issued by the issuing CA, EKU timeStamping
    pki/seals/<code>.{key,cert}.pem    RSA 2048, issued by the issuing CA, 3 years
    pki/seals/<code>.*.retired-<hex>   rotated seals: their documents keep verifying
    pki/retired-roots/<hex>.*.pem      a root from before the issuing CA (ADR 0002): still trusted
    pki/crl/{root,issuing-ca}.crl      the CRLs last published (documents/crl.py)

1. On first run `ensure_ca` creates root, issuing CA and TSA; `ensure_agency_seal` a seal.
2. A data dir from before the issuing CA (a root with pathlen 0 that signed seals directly) is
   upgraded in place: that root is kept as a retired trust anchor, its seals are retired, and a
   new hierarchy is created. Old documents keep verifying against the retired root.
3. Every issued certificate names where its issuer's certificate and CRL are published
   (`{base_url}/pki/...`), so a validator can build and check the chain on its own.

Seals are issued by a CA rather than self-signed because poppler's `pdfsig` (and Acrobat) only
build chains to certificates marked as CAs. See ADR 0002 and ADR 0008.
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

from asn1crypto import algos
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

ROOT_KEY_BITS = 3072
ISSUING_KEY_BITS = 3072
SEAL_KEY_BITS = 2048
TSA_KEY_BITS = 2048
ROOT_VALIDITY = timedelta(days=20 * 365 + 5)
ISSUING_VALIDITY = timedelta(days=10 * 365 + 3)
SEAL_VALIDITY = timedelta(days=3 * 365 + 1)
TSA_VALIDITY = timedelta(days=10 * 365 + 3)
# A seal this close to expiry is replaced, so a document is never signed by a nearly dead key.
SEAL_RENEW_BEFORE = timedelta(days=30)
ROOT_COMMON_NAME = "Citizen Service Portal Root CA"
ISSUING_COMMON_NAME = "Citizen Service Portal Issuing CA"
TSA_COMMON_NAME = "Citizen Service Portal Timestamp Authority"
PORTAL_ORGANISATION = "Citizen Service Portal"
SEAL_CN_SUFFIX = " document seal"

# Published paths under the portal's base URL (portal/web/pki.py serves them).
ROOT_CRL_PATH = "/pki/root.crl"
ISSUING_CRL_PATH = "/pki/issuing-ca.crl"
ROOT_CERT_PATH = "/pki/root.crt"
ISSUING_CERT_PATH = "/pki/issuing-ca.crt"


def pki_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "pki"


def root_ca_paths(data_dir: Path) -> tuple[Path, Path]:
    """(key, certificate) PEM paths of the portal root CA."""
    root = pki_dir(data_dir) / "root"
    return root / "ca.key.pem", root / "ca.cert.pem"


def issuing_ca_paths(data_dir: Path) -> tuple[Path, Path]:
    """(key, certificate) PEM paths of the issuing CA (signs seals, the TSA and its CRL)."""
    issuing = pki_dir(data_dir) / "issuing"
    return issuing / "ca.key.pem", issuing / "ca.cert.pem"


def tsa_paths(data_dir: Path) -> tuple[Path, Path]:
    """(key, certificate) PEM paths of the bundled timestamp authority."""
    tsa = pki_dir(data_dir) / "tsa"
    return tsa / "tsa.key.pem", tsa / "tsa.cert.pem"


def seal_paths(data_dir: Path, agency_code: str) -> tuple[Path, Path]:
    """(key, certificate) PEM paths of an agency's seal."""
    check_agency_code(agency_code)
    seals = pki_dir(data_dir) / "seals"
    code = agency_code.lower()
    return seals / f"{code}.key.pem", seals / f"{code}.cert.pem"


def check_agency_code(agency_code: str) -> None:
    """Agency codes name files and PKCS#11 labels: ASCII letters and digits only."""
    if not agency_code.isascii() or not agency_code.isalnum():
        raise ValueError(f"not an agency code: {agency_code!r}")


def _default_base_url() -> str:
    from portal.settings import get_settings

    return get_settings().base_url


# --- creation ---------------------------------------------------------------------------------


def ensure_ca(data_dir: Path, *, base_url: str | None = None) -> None:
    """Creates root, issuing CA and TSA on first run (upgrading a pre-issuing-CA data dir)."""
    with _pki_lock(data_dir):
        _ensure_ca_locked(data_dir, base_url or _default_base_url())


# The name ADR 0002 and callers know; the root alone is no longer enough to sign anything.
ensure_root_ca = ensure_ca


def ensure_agency_seal(
    data_dir: Path, agency_code: str, agency_name_en: str, *, base_url: str | None = None
) -> None:
    """Creates (or renews, when near expiry) the agency's seal, issued by the issuing CA."""
    base = base_url or _default_base_url()
    with _pki_lock(data_dir):
        _ensure_ca_locked(data_dir, base)
        key_path, cert_path = seal_paths(data_dir, agency_code)
        if key_path.exists() and cert_path.exists():
            cert = load_cert(cert_path)
            if cert.not_valid_after_utc - _now() > SEAL_RENEW_BEFORE:
                return
            _retire(key_path, cert_path, cert)
        _issue_seal_locked(data_dir, agency_code, agency_name_en, base)


def rotate_seal(
    data_dir: Path,
    agency_code: str,
    agency_name_en: str | None = None,
    *,
    base_url: str | None = None,
) -> tuple[str | None, str]:
    """Retires the agency's current seal and issues a new one; returns (old, new) hex serials.

    The retired seal is not revoked: documents it signed keep verifying (chain + timestamp).
    """
    base = base_url or _default_base_url()
    with _pki_lock(data_dir):
        _ensure_ca_locked(data_dir, base)
        key_path, cert_path = seal_paths(data_dir, agency_code)
        old_serial: str | None = None
        if cert_path.exists():
            old = load_cert(cert_path)
            old_serial = format(old.serial_number, "x")
            if agency_name_en is None:
                agency_name_en = _organisation(old)
            if key_path.exists():
                _retire(key_path, cert_path, old)
            else:  # an HSM or PKCS#12 seal: only the certificate lives here
                os.replace(cert_path, cert_path.with_name(f"{cert_path.name}.retired-{old_serial}"))
        if not agency_name_en:
            raise ValueError(f"no seal yet for {agency_code!r}: give the agency's English name")
        cert = _issue_seal_locked(data_dir, agency_code, agency_name_en, base)
    clear_signer_cache()
    return old_serial, format(cert.serial_number, "x")


def _issue_seal_locked(
    data_dir: Path, agency_code: str, agency_name_en: str, base_url: str
) -> x509.Certificate:
    key_path, cert_path = seal_paths(data_dir, agency_code)
    issuer_key, issuer_cert = _load_pair(issuing_ca_paths(data_dir))
    key = rsa.generate_private_key(public_exponent=65537, key_size=SEAL_KEY_BITS)
    cert = issue_seal_certificate(
        key.public_key(), agency_name_en, issuer_key, issuer_cert, base_url=base_url
    )
    _write_private(key_path, _key_pem(key))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert


def _ensure_ca_locked(data_dir: Path, base_url: str) -> None:
    root_key_path, root_cert_path = root_ca_paths(data_dir)
    if root_cert_path.exists() and _is_legacy_root(load_cert(root_cert_path)):
        _retire_legacy_root(data_dir)
    if not (root_key_path.exists() and root_cert_path.exists()):
        key = rsa.generate_private_key(public_exponent=65537, key_size=ROOT_KEY_BITS)
        name = _portal_name(ROOT_COMMON_NAME)
        cert = (
            _builder(name, name, key.public_key(), ROOT_VALIDITY, None)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .sign(key, hashes.SHA256())
        )
        _write_private(root_key_path, _key_pem(key))
        _write_private(root_cert_path, cert.public_bytes(serialization.Encoding.PEM))
    issuing_key_path, issuing_cert_path = issuing_ca_paths(data_dir)
    if not (issuing_key_path.exists() and issuing_cert_path.exists()):
        root_key, root_cert = _load_pair(root_ca_paths(data_dir))
        key = rsa.generate_private_key(public_exponent=65537, key_size=ISSUING_KEY_BITS)
        cert = (
            _builder(
                _portal_name(ISSUING_COMMON_NAME),
                root_cert.subject,
                key.public_key(),
                ISSUING_VALIDITY,
                root_cert,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(_crl_dp(base_url, ROOT_CRL_PATH), critical=False)
            .add_extension(_aia(base_url, ROOT_CERT_PATH), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        _write_private(issuing_key_path, _key_pem(key))
        _write_private(issuing_cert_path, cert.public_bytes(serialization.Encoding.PEM))
    tsa_key_path, tsa_cert_path = tsa_paths(data_dir)
    if not (tsa_key_path.exists() and tsa_cert_path.exists()):
        issuer_key, issuer_cert = _load_pair(issuing_ca_paths(data_dir))
        key = rsa.generate_private_key(public_exponent=65537, key_size=TSA_KEY_BITS)
        cert = (
            _builder(
                _portal_name(TSA_COMMON_NAME),
                issuer_cert.subject,
                key.public_key(),
                TSA_VALIDITY,
                issuer_cert,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_signing_key_usage(), critical=True)
            # RFC 3161 §2.3: a TSA certificate has exactly this EKU, marked critical.
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .add_extension(_crl_dp(base_url, ISSUING_CRL_PATH), critical=False)
            .add_extension(_aia(base_url, ISSUING_CERT_PATH), critical=False)
            .sign(issuer_key, hashes.SHA256())
        )
        _write_private(tsa_key_path, _key_pem(key))
        _write_private(tsa_cert_path, cert.public_bytes(serialization.Encoding.PEM))


def _is_legacy_root(cert: x509.Certificate) -> bool:
    """A root from ADR 0002 (pathlen 0): it signed seals itself and cannot sign an issuing CA."""
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    return constraints.path_length == 0


def _retire_legacy_root(data_dir: Path) -> None:
    """Keeps the old root as a trust anchor and retires the seals it issued."""
    key_path, cert_path = root_ca_paths(data_dir)
    old_root = load_cert(cert_path)
    serial = format(old_root.serial_number, "x")
    retired = pki_dir(data_dir) / "retired-roots"
    _make_private_dir(retired)
    seals = pki_dir(data_dir) / "seals"
    for seal_cert_path in sorted(seals.glob("*.cert.pem")) if seals.exists() else []:
        seal = load_cert(seal_cert_path)
        if seal.issuer == old_root.subject:
            code = seal_cert_path.name.removesuffix(".cert.pem")
            _retire(seals / f"{code}.key.pem", seal_cert_path, seal)
    os.replace(cert_path, retired / f"{serial}.cert.pem")
    if key_path.exists():  # kept only so it could still sign a CRL for its old seals
        os.replace(key_path, retired / f"{serial}.key.pem")


def issue_seal_certificate(
    public_key: rsa.RSAPublicKey,
    agency_name_en: str,
    issuer_key: CertificateIssuerPrivateKeyTypes,
    issuer_cert: x509.Certificate,
    *,
    base_url: str,
) -> x509.Certificate:
    """A seal certificate for `public_key` (also for keys that live in an HSM)."""
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
    return (
        _builder(subject, issuer_cert.subject, public_key, SEAL_VALIDITY, issuer_cert)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signing_key_usage(), critical=True)
        .add_extension(_crl_dp(base_url, ISSUING_CRL_PATH), critical=False)
        .add_extension(_aia(base_url, ISSUING_CERT_PATH), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey,
    validity: timedelta,
    issuer_cert: x509.Certificate | None,
) -> x509.CertificateBuilder:
    now = _now()
    not_after = now + validity
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(_serial())
        .not_valid_before(now - timedelta(minutes=5))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer_cert is not None:
        # A certificate never outlives its issuer (RFC 5280 path validation would reject it).
        not_after = min(not_after, issuer_cert.not_valid_after_utc)
        issuer_ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski.value),
            critical=False,
        )
    return builder.not_valid_after(not_after)


def _portal_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, PORTAL_ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _crl_dp(base_url: str, path: str) -> x509.CRLDistributionPoints:
    url = base_url.rstrip("/") + path
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


def _aia(base_url: str, path: str) -> x509.AuthorityInformationAccess:
    url = base_url.rstrip("/") + path
    return x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url)
            )
        ]
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


def _signing_key_usage() -> x509.KeyUsage:
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


def _organisation(cert: x509.Certificate) -> str:
    values = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(values[0].value) if values else ""


def _retire(key_path: Path, cert_path: Path, cert: x509.Certificate) -> None:
    """Keeps a replaced seal beside the new one (by serial): its documents keep verifying."""
    suffix = f".retired-{cert.serial_number:x}"
    if key_path.exists():
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


def write_private(path: Path, data: bytes) -> None:
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


_write_private = write_private


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    # Unencrypted at rest, protected by file mode; PKCS#12 or an HSM replace this in production.
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


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA key")
    return key


def _load_pair(paths: tuple[Path, Path]) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key_path, cert_path = paths
    return load_private_key(key_path), load_cert(cert_path)


def load_trust_roots(data_dir: Path) -> list[asn1_x509.Certificate]:
    """The certificates verification trusts: our root and any retired root (none before use)."""
    paths = [root_ca_paths(data_dir)[1]]
    retired = pki_dir(data_dir) / "retired-roots"
    if retired.exists():
        paths += sorted(retired.glob("*.cert.pem"))
    return [asn1_cert(load_cert(path)) for path in paths if path.exists()]


def ca_chain(data_dir: Path) -> list[x509.Certificate]:
    """[issuing CA, root]: what a signature embeds so a verifier needs only the root."""
    return [load_cert(issuing_ca_paths(data_dir)[1]), load_cert(root_ca_paths(data_dir)[1])]


@dataclass(frozen=True)
class CertificateInfo:
    """One certificate of the hierarchy, as `portal keys list` and the /pki page show it."""

    kind: str  # root | issuing | tsa | seal | retired-seal | retired-root
    agency: str | None
    serial_hex: str
    subject: str
    not_before: datetime
    not_after: datetime
    certificate: x509.Certificate

    @property
    def sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def list_certificates(data_dir: Path) -> list[CertificateInfo]:
    """Every certificate under data_dir/pki: CAs, TSA, current and retired seals."""
    base = pki_dir(data_dir)
    found: list[tuple[str, str | None, Path]] = [
        ("root", None, root_ca_paths(data_dir)[1]),
        ("issuing", None, issuing_ca_paths(data_dir)[1]),
        ("tsa", None, tsa_paths(data_dir)[1]),
    ]
    seals = base / "seals"
    if seals.exists():
        for path in sorted(seals.iterdir()):
            code = path.name.split(".", 1)[0]
            if path.name.endswith(".cert.pem"):
                found.append(("seal", code, path))
            elif ".cert.pem.retired-" in path.name:
                found.append(("retired-seal", code, path))
    retired_roots = base / "retired-roots"
    if retired_roots.exists():
        found += [("retired-root", None, p) for p in sorted(retired_roots.glob("*.cert.pem"))]
    result = []
    for kind, agency, path in found:
        if not path.exists():
            continue
        cert = load_cert(path)
        result.append(
            CertificateInfo(
                kind=kind,
                agency=agency,
                serial_hex=format(cert.serial_number, "x"),
                subject=cert.subject.rfc4514_string(),
                not_before=cert.not_valid_before_utc,
                not_after=cert.not_valid_after_utc,
                certificate=cert,
            )
        )
    return result


class PreloadedKeySigner(SimpleSigner):
    """A SimpleSigner that keeps the parsed private key.

    SimpleSigner.sign_raw re-parses its key from DER on every call, and pyca checks an RSA key's
    consistency on every parse (about 40 ms for RSA 2048). Parsing once per process removes that.
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
        self._mechanisms: dict[str, algos.SignedDigestAlgorithm] = {}

    def get_signature_mechanism_for_digest(
        self, digest_algorithm: str | None
    ) -> algos.SignedDigestAlgorithm:
        # Re-parsed from DER once: a mechanism built in Python costs ~1 ms to serialise, and
        # pyHanko asks for it several times per signature.
        key = digest_algorithm or ""
        mechanism = self._mechanisms.get(key)
        if mechanism is None:
            built = super().get_signature_mechanism_for_digest(digest_algorithm)
            mechanism = self._mechanisms[key] = algos.SignedDigestAlgorithm.load(built.dump())
        return mechanism

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
    """The agency's seal signer from key files, created on first use and cached per process.

    The signer's certificate store holds the issuing CA and the root, so the whole chain is
    embedded in each signature and a verifier needs nothing but the root.
    """
    cache_key = (Path(data_dir).resolve(), agency_code.lower())
    with _signers_lock:
        cached = _signers.get(cache_key)
        if cached is not None and _now() < cached.renew_after:
            return cached.signer
        ensure_agency_seal(data_dir, agency_code, agency_name_en)
        key_path, cert_path = seal_paths(data_dir, agency_code)
        cert = load_cert(cert_path)
        signer = PreloadedKeySigner(
            private_key=load_private_key(key_path),
            signing_cert=asn1_cert(cert),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_cert(c) for c in ca_chain(data_dir)]
            ),
        )
        renew_after = cert.not_valid_after_utc - SEAL_RENEW_BEFORE
        _signers[cache_key] = _CachedSigner(signer=signer, renew_after=renew_after)
        return signer


def clear_signer_cache() -> None:
    """Forgets cached signers (tests; after rotation or replacing key files by hand)."""
    with _signers_lock:
        _signers.clear()


def asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


_asn1_cert = asn1_cert
