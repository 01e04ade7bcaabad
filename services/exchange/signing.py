"""Signed exchange messages: RFC 9421 HTTP Message Signatures (Ed25519) and RFC 9530 digests.

1. The portal signs every request: method, authority, path, `Content-Digest` (sha-256 of the
   body) and the headers that say who asks what for whom and why (`REQUEST_COMPONENTS`).
2. The registry verifies it against the portal keys it trusts (keyid -> key), before any
   lookup, and signs every answer: status, digest, content type, request id and the request's
   own signature (`"signature";req`), so an answer cannot be replayed for another request.
3. The portal verifies the answer against the key configured for that agency before reading it.

The wire format is the one `http-message-signatures` implements; this module fixes the policy:
which components must be covered, the algorithm, the label and tag, and how old a signature
may be. Keys are Ed25519; a key's id is its RFC 7638 JWK thumbprint unless configured.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    MappingKeyResolver,
    algorithms,
)

LABEL = "exchange"
REQUEST_TAG = "exchange-request"
RESPONSE_TAG = "exchange-response"
ALG = "ed25519"
# Who asks, for whom, why, under which consent: a registry must be able to prove all of it.
# @authority + @path rather than @target-uri: a TLS-terminating proxy in front of a registry
# changes the scheme it sees, and the signature must survive that.
REQUEST_COMPONENTS = (
    "@method",
    "@authority",
    "@path",
    "content-digest",
    "content-type",
    "x-request-id",
    "x-caller",
    "x-purpose",
    "x-petition-id",
    "x-consent-ref",
    "x-acting-user",
)
REQUEST_BINDING = f'"signature";req;key="{LABEL}"'
RESPONSE_COMPONENTS = ("@status", "content-digest", "content-type", "x-request-id")
MAX_AGE = datetime.timedelta(seconds=60)
CLOCK_SKEW = datetime.timedelta(seconds=5)  # tolerance for a `created` in the future


class SignatureError(Exception):
    """A message's signature or digest is missing, malformed, stale or does not verify."""


# --- keys -------------------------------------------------------------------------------------


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """The RFC 7638 JWK thumbprint of an Ed25519 key: a stable keyid both sides can compute."""
    x = _b64url(public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    # Required members in lexicographic order, no whitespace (RFC 7638 §3.2, RFC 8037 §2).
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """Reads an Ed25519 private key (PKCS#8 PEM) from `path`, creating it (0600) on first run.

    The public half is written beside it as `<stem>.pub.pem` for whoever must verify. Creation
    is atomic and first-writer-wins (a hard link refuses an existing name), so two processes
    starting together end up with the same key.
    """
    if path.exists():
        return _load_private_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _load_private_key(path)  # another process won; use its key
    finally:
        tmp.unlink(missing_ok=True)
    write_public_key(key.public_key(), public_key_path(path))
    return key


def public_key_path(private_key_path: Path) -> Path:
    """Where the public half of a generated key is written: `portal-ed25519.pub.pem`."""
    return private_key_path.with_name(f"{private_key_path.stem}.pub.pem")


def write_public_key(key: Ed25519PublicKey, path: Path) -> None:
    """Writes a public key as SubjectPublicKeyInfo PEM, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(pem)
    tmp.replace(path)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Reads an Ed25519 public key PEM. Raises ValueError for another kind of key."""
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} does not hold an Ed25519 public key")
    return key


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


class PublicKeyFiles(Mapping[str, Ed25519PublicKey]):
    """Name -> public key read from a PEM file when asked, reread when the file changes.

    Lazy, so the portal can start before a demo registry has written its key, and a key can be
    rotated by replacing its file. A missing or unreadable file is a missing key.
    """

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self._paths = dict(paths)
        self._cache: dict[str, tuple[float, Ed25519PublicKey]] = {}

    def __getitem__(self, name: str) -> Ed25519PublicKey:
        path = self._paths[name]
        try:
            mtime = path.stat().st_mtime
            cached = self._cache.get(name)
            if cached is None or cached[0] != mtime:
                cached = (mtime, load_public_key(path))
                self._cache[name] = cached
        except (OSError, ValueError) as exc:
            raise KeyError(name) from exc
        return cached[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


# --- signing and verifying ----------------------------------------------------------------------


@dataclass
class ResponseView:
    """A response for the signer: status, mutable headers and the request it answers.

    Starlette's Response has no `.request`; httpx's has one, and can be passed directly.
    """

    status_code: int
    headers: Any
    request: Any


def sign_request(
    request: Any,
    *,
    key: Ed25519PrivateKey,
    key_id: str,
    body: bytes,
    created: datetime.datetime | None = None,
) -> None:
    """Adds `Content-Digest`, `Signature-Input` and `Signature` to a request (httpx.Request).

    Every header in `REQUEST_COMPONENTS` must be present (empty is allowed).
    """
    _signer(key, key_id).sign(
        request,
        key_id=key_id,
        created=created or datetime.datetime.now(datetime.UTC),
        label=LABEL,
        tag=REQUEST_TAG,
        covered_component_ids=REQUEST_COMPONENTS,
        body=body,
    )


def sign_response(
    response: Any, *, key: Ed25519PrivateKey, key_id: str, body: bytes, bind_request: bool
) -> None:
    """Signs a response (anything with `status_code`, `headers` and `request`).

    `bind_request` covers the request's signature: only possible when the request carried one.
    """
    components = ("@status", "content-type", "x-request-id")
    if bind_request:
        components += (REQUEST_BINDING,)
    _signer(key, key_id).sign(
        response,
        key_id=key_id,
        label=LABEL,
        tag=RESPONSE_TAG,
        covered_component_ids=components,
        body=body,
    )


def verify_request(request: Any, *, keys: Mapping[str, Ed25519PublicKey], body: bytes) -> str:
    """Checks a request's signature against the trusted `keys`; returns the keyid that signed.

    Raises SignatureError: no signature, unknown keyid, another algorithm, an uncovered
    component, older than `MAX_AGE`, created in the future, or a body that is not the digest.
    """
    result = _verify(request, _Keys(keys), REQUEST_TAG, REQUEST_COMPONENTS, body)
    return str(result["keyid"])


def verify_response(response: Any, *, key: Ed25519PublicKey, body: bytes) -> str:
    """Checks a registry answer against the agency's key and binding to our request.

    The agency's key is the one configured for it, whatever keyid the answer names: the
    keyid is a hint (RFC 9421 §3.2), the configuration is the trust. Returns that keyid.
    """
    components = (*RESPONSE_COMPONENTS, REQUEST_BINDING)
    result = _verify(response, _AnyKeyId(key), RESPONSE_TAG, components, body)
    return str(result["keyid"])


def _signer(key: Ed25519PrivateKey, key_id: str) -> HTTPMessageSigner:
    resolver = MappingKeyResolver(public_keys={}, private_keys={key_id: key})
    return HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver)


def verify_message(
    message: Any,
    *,
    keys: Mapping[str, Ed25519PublicKey],
    tag: str,
    components: tuple[str, ...],
    body: bytes,
) -> dict[str, Any]:
    """Verifies an RFC 9421 signature under this module's policy (Ed25519 named by `alg`, the
    components required, age and clock skew) against `keys` (keyid -> key); returns the
    signature's parameters. For other signed channels than the exchange (the bank's payment
    callbacks), each with its own tag so signatures cannot be swapped between them."""
    return _verify(message, _Keys(keys), tag, components, body)


def _verify(
    message: Any,
    resolver: HTTPSignatureKeyResolver,
    tag: str,
    components: tuple[str, ...],
    body: bytes,
) -> dict[str, Any]:
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    verifier.max_clock_skew = CLOCK_SKEW
    try:
        (result,) = verifier.verify(
            message, max_age=MAX_AGE, expect_tag=tag, require_components=components, body=body
        )
    except (HTTPMessageSignaturesException, ValueError) as exc:
        raise SignatureError(str(exc) or type(exc).__name__) from exc
    # The library accepts a signature without `alg`; we do not, so a key is never used with
    # an algorithm it was not meant for (RFC 9421 §7.3.6).
    if result.parameters.get("alg") != ALG:
        raise SignatureError("the signature does not name alg=ed25519")
    return dict(result.parameters)


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._keys = keys

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self._keys.get(key_id)

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        raise KeyError(key_id)


class _AnyKeyId(_Keys):
    def __init__(self, key: Ed25519PublicKey) -> None:
        super().__init__({})
        self._key = key

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self._key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
