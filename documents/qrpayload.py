"""What the certificate's QR code carries: a verify URL that is also an offline proof.

    {base_url}/v/{number}/{check_code}?k={kid}&s={signature}

Opened online it shows the verification page (the code is in the URL, so nothing is typed).
Offline, anyone holding the portal's published keys (`/.well-known/document-keys.json`, JWKS)
checks the Ed25519 signature (base64url, no padding) over

    b"citizen-portal/document-qr/v1" NUL kid NUL number NUL check_code

The fixed prefix keeps these signatures from ever being mistaken for any other message signed
with the key; the base URL is not signed, so the portal may change its domain without
invalidating printed codes. A valid signature proves the portal issued a document with this
number and code — not that it is still valid (that needs the online check).

Keys live under `data_dir/pki/qr/`: `<kid>.key.pem` (0600), `<kid>.pub.pem`, and `current`
naming the signing key. They are generated on first use under an exclusive `flock`, so two
processes starting together agree on one key. `rotate_qr_key` makes a new key current and
deletes the old private key; every public key stays published, so old documents keep verifying.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from documents.checkcode import is_well_formed_check_code
from documents.numbers import is_well_formed_number

QR_KEY_DIR = Path("pki") / "qr"
SIGNING_DOMAIN = b"citizen-portal/document-qr/v1"
_KID = re.compile(r"[A-Za-z0-9_-]{4,16}")
_PATH = re.compile(r"/v/(?P<number>[^/]+)/(?P<code>[^/]+)/?")

QrStatus = Literal["valid", "malformed", "unknown_key", "forged"]


def qr_key_dir(data_dir: Path) -> Path:
    return Path(data_dir) / QR_KEY_DIR


def signed_message(kid: str, number: str, check_code: str) -> bytes:
    """The exact bytes the QR signature covers (domain-separated, NUL-joined)."""
    return b"\x00".join(
        (SIGNING_DOMAIN, kid.encode("ascii"), number.encode("ascii"), check_code.encode("ascii"))
    )


def qr_payload(data_dir: Path, base_url: str, number: str, check_code: str) -> str:
    """The text encoded in the QR code: the verify URL carrying its own signature."""
    kid, key = _signing_key(Path(data_dir))
    signature = _b64url(key.sign(signed_message(kid, number, check_code)))
    return f"{base_url.rstrip('/')}/v/{number}/{check_code}?k={kid}&s={signature}"


@dataclass(frozen=True)
class QrCheck:
    """The offline verdict on a QR payload. `number`/`check_code` are set once parsed."""

    status: QrStatus
    number: str | None = None
    check_code: str | None = None
    kid: str | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def parse_qr_payload(payload: str) -> tuple[str, str, str, str] | None:
    """(number, check_code, kid, signature) from a payload, or None if it is not one of ours."""
    try:
        parts = urlsplit(payload.strip())
        query = parse_qs(parts.query, strict_parsing=False)
    except ValueError:
        return None
    match = _PATH.search(parts.path)
    if match is None or not parts.path.endswith(match.group(0)):
        return None
    kid, sig = query.get("k", [""])[0], query.get("s", [""])[0]
    return match.group("number"), match.group("code"), kid, sig


def verify_qr_payload(payload: str, public_keys: Mapping[str, Ed25519PublicKey]) -> QrCheck:
    """Checks a QR payload against `public_keys` (kid -> key) without any network access."""
    parsed = parse_qr_payload(payload)
    if parsed is None:
        return QrCheck("malformed")
    return verify_qr_parts(*parsed, public_keys=public_keys)


def verify_qr_parts(
    number: str, check_code: str, kid: str, signature: str, *, public_keys: Mapping[str, Any]
) -> QrCheck:
    """The same check as `verify_qr_payload`, on parts already taken out of a URL."""
    if not (
        is_well_formed_number(number)
        and is_well_formed_check_code(check_code)
        and _KID.fullmatch(kid)
    ):
        return QrCheck("malformed")
    parsed = QrCheck("malformed", number=number, check_code=check_code, kid=kid)
    raw = _b64url_decode(signature)
    if raw is None or len(raw) != 64:
        return QrCheck("forged", number, check_code, kid) if raw is not None else parsed
    key = public_keys.get(kid)
    if key is None:
        return QrCheck("unknown_key", number, check_code, kid)
    try:
        key.verify(raw, signed_message(kid, number, check_code))
    except InvalidSignature:
        return QrCheck("forged", number, check_code, kid)
    return QrCheck("valid", number, check_code, kid)


# --- keys ---------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_signing_cache: dict[Path, tuple[float, str, Ed25519PrivateKey]] = {}
_public_cache: dict[Path, tuple[tuple[float, ...], dict[str, Ed25519PublicKey]]] = {}


def _signing_key(data_dir: Path) -> tuple[str, Ed25519PrivateKey]:
    """The current signing key, read once per process and again after a rotation."""
    folder = qr_key_dir(data_dir)
    current = folder / "current"
    try:
        mtime = current.stat().st_mtime
    except FileNotFoundError:
        ensure_qr_key(data_dir)
        mtime = current.stat().st_mtime
    with _cache_lock:
        cached = _signing_cache.get(folder)
        if cached is not None and cached[0] == mtime:
            return cached[1], cached[2]
    kid = current.read_text().strip()
    key = serialization.load_pem_private_key((folder / f"{kid}.key.pem").read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{folder / kid}.key.pem is not an Ed25519 key")
    with _cache_lock:
        _signing_cache[folder] = (mtime, kid, key)
    return kid, key


def ensure_qr_key(data_dir: Path) -> str:
    """The current key id, generating the first key if there is none (safe across processes)."""
    folder = qr_key_dir(data_dir)
    with _locked(folder):
        current = folder / "current"
        if current.exists():
            return current.read_text().strip()
        return _new_key(folder)


def rotate_qr_key(data_dir: Path) -> str:
    """Makes a fresh key current; old public keys stay published, the old private key goes."""
    folder = qr_key_dir(data_dir)
    with _locked(folder):
        current = folder / "current"
        old = current.read_text().strip() if current.exists() else None
        kid = _new_key(folder)
        if old and old != kid:
            (folder / f"{old}.key.pem").unlink(missing_ok=True)
        return kid


def load_public_keys(data_dir: Path, *, create: bool = True) -> dict[str, Ed25519PublicKey]:
    """Every published key (current and rotated out), kid -> key; cached until files change.

    The first call generates the first key unless `create` is False (an offline checker).
    """
    folder = qr_key_dir(data_dir)
    if not folder.is_dir():
        if not create:
            return {}
        ensure_qr_key(data_dir)
    return public_keys_in(folder)


def public_keys_in(folder: Path) -> dict[str, Ed25519PublicKey]:
    """The `<kid>.pub.pem` keys in `folder`, kid -> key; cached until the files change."""
    files = sorted(Path(folder).glob("*.pub.pem"))
    stamp = tuple(p.stat().st_mtime for p in files) + (len(files),)
    with _cache_lock:
        cached = _public_cache.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    keys: dict[str, Ed25519PublicKey] = {}
    for path in files:
        key = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(key, Ed25519PublicKey):
            keys[path.name.removesuffix(".pub.pem")] = key
    with _cache_lock:
        _public_cache[folder] = (stamp, keys)
    return keys


def jwks(public_keys: Mapping[str, Ed25519PublicKey]) -> dict[str, Any]:
    """The keys as a JSON Web Key Set (RFC 7517, OKP keys of RFC 8037)."""
    return {"keys": [_jwk(kid, key) for kid, key in sorted(public_keys.items())]}


def keys_from_jwks(document: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """kid -> key from a JWKS; entries that are not Ed25519 signing keys are skipped."""
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in document.get("keys", []):
        if not isinstance(entry, dict):
            continue
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        raw = _b64url_decode(str(entry.get("x", "")))
        kid = entry.get("kid")
        if raw is None or len(raw) != 32 or not isinstance(kid, str):
            continue
        keys[kid] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def _jwk(kid: str, key: Ed25519PublicKey) -> dict[str, str]:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
            "x": _b64url(raw)}  # fmt: skip


def _new_key(folder: Path) -> str:
    """Writes a new key pair and points `current` at it; the caller holds the lock."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    # 24 bits of the key's hash: short, because every character makes the QR code larger.
    kid = _b64url(hashlib.sha256(raw).digest()[:3])
    if (folder / f"{kid}.pub.pem").exists():  # pragma: no cover - 1 in 16 million
        return _new_key(folder)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(folder / f"{kid}.key.pem", private_pem, 0o600)
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write(folder / f"{kid}.pub.pem", public_pem, 0o644)
    _write(folder / "current", kid.encode() + b"\n", 0o644)
    return kid


def _write(path: Path, data: bytes, mode: int) -> None:
    """Temp file + rename, created with `mode` (never briefly world-readable)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
