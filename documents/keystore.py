"""Where agency seal keys live: generated files (default), PKCS#12 files, or a PKCS#11 token.

Every keystore answers `signer(agency_code, agency_name_en)` with a pyHanko `Signer` whose
certificate store carries the chain up to the root, so `seal_pdf` does not care which it is.

- `files`: `documents/pki.py` generates and renews keys under data_dir/pki (demos, pilots).
- `pkcs12`: `<dir>/<agency>.p12` with one password (settings `seal_pkcs12_dir`,
  `seal_pkcs12_password`); the file's extra certificates complete the chain.
- `pkcs11`: an HSM through `pyhanko.sign.pkcs11` (settings `pkcs11_module`,
  `pkcs11_token_label`, `pkcs11_pin`); key and certificate are labelled with the agency code,
  the CA chain comes from the token (labels `issuing-ca`, `root-ca`) or from data_dir/pki.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from documents.pki import (
    PreloadedKeySigner,
    asn1_cert,
    ca_chain,
    check_agency_code,
    get_agency_signer,
    issuing_ca_paths,
)


class KeystoreError(RuntimeError):
    """The configured keystore cannot give a signer for this agency."""


class Keystore(Protocol):
    def signer(self, agency_code: str, agency_name_en: str) -> Signer: ...


class FileKeystore:
    """Keys generated into data_dir/pki on first use (the default)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)

    def signer(self, agency_code: str, agency_name_en: str) -> Signer:
        return get_agency_signer(self.data_dir, agency_code, agency_name_en)


class Pkcs12Keystore:
    """One `<agency>.p12` per agency in a directory, all with the same password."""

    def __init__(self, directory: Path, password: str, data_dir: Path | None = None) -> None:
        self.directory = Path(directory)
        self.password = password.encode() if password else None
        self.data_dir = data_dir
        self._signers: dict[str, Signer] = {}
        self._lock = threading.Lock()

    def signer(self, agency_code: str, agency_name_en: str) -> Signer:
        check_agency_code(agency_code)
        code = agency_code.lower()
        with self._lock:
            cached = self._signers.get(code)
            if cached is not None:
                return cached
            path = self.directory / f"{code}.p12"
            try:
                key, cert, extra = pkcs12.load_key_and_certificates(
                    path.read_bytes(), self.password
                )
            except (OSError, ValueError) as exc:
                raise KeystoreError(f"cannot open {path}: {exc}") from exc
            if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
                raise KeystoreError(f"{path} must hold an RSA key and its certificate")
            chain = list(extra)
            if (
                not chain
                and self.data_dir is not None
                and issuing_ca_paths(self.data_dir)[1].exists()
            ):
                chain = ca_chain(self.data_dir)
            signer = PreloadedKeySigner(
                private_key=key,
                signing_cert=asn1_cert(cert),
                cert_registry=SimpleCertificateStore.from_certs([asn1_cert(c) for c in chain]),
            )
            self._signers[code] = signer
            return signer


class Pkcs11Keystore:
    """Seal keys in an HSM (any PKCS#11 module; tested with SoftHSM2).

    One session is opened per process and kept: logging in costs more than a signature.
    """

    def __init__(
        self, module: str, token_label: str, pin: str, data_dir: Path | None = None
    ) -> None:
        self.module = module
        self.token_label = token_label
        self.pin = pin
        self.data_dir = data_dir
        self._session: Any = None
        self._signers: dict[str, Signer] = {}
        self._lock = threading.Lock()

    def _open(self) -> Any:
        if self._session is None:
            from pyhanko.config.pkcs11 import TokenCriteria
            from pyhanko.sign.pkcs11 import open_pkcs11_session

            try:
                self._session = open_pkcs11_session(
                    self.module,
                    token_criteria=TokenCriteria(label=self.token_label),
                    user_pin=self.pin,
                )
            except Exception as exc:  # the module raises its own types
                raise KeystoreError(
                    f"cannot open PKCS#11 token {self.token_label!r}: {exc}"
                ) from exc
        return self._session

    def signer(self, agency_code: str, agency_name_en: str) -> Signer:
        from pyhanko.sign.pkcs11 import PKCS11Signer

        check_agency_code(agency_code)
        code = agency_code.lower()
        with self._lock:
            cached = self._signers.get(code)
            if cached is not None:
                return cached
            session = self._open()
            chain = (
                [asn1_cert(c) for c in ca_chain(self.data_dir)]
                if self.data_dir is not None and issuing_ca_paths(self.data_dir)[1].exists()
                else []
            )
            # Without a local chain, pull the token's other certificates (the CA chain).
            signer = PKCS11Signer(
                session,
                cert_label=code,
                key_label=code,
                ca_chain=chain,
                other_certs_to_pull=() if chain else None,
            )
            try:
                signer.signing_cert  # noqa: B018  # loads now: a missing label fails here, clearly
            except Exception as exc:
                raise KeystoreError(
                    f"no certificate labelled {code!r} on the token: {exc}"
                ) from exc
            self._signers[code] = signer
            return signer

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
            self._signers.clear()


_keystores: dict[tuple[Any, ...], Keystore] = {}
_keystores_lock = threading.Lock()


def keystore_for(
    data_dir: Path,
    *,
    kind: str = "files",
    pkcs12_dir: Path | None = None,
    pkcs12_password: str = "",
    pkcs11_module: str = "",
    pkcs11_token_label: str = "",
    pkcs11_pin: str = "",
) -> Keystore:
    """The keystore of this kind, one per configuration per process."""
    key = (kind, Path(data_dir).resolve(), pkcs12_dir, pkcs11_module, pkcs11_token_label)
    with _keystores_lock:
        store = _keystores.get(key)
        if store is not None:
            return store
        if kind == "files":
            store = FileKeystore(data_dir)
        elif kind == "pkcs12":
            if pkcs12_dir is None:
                raise KeystoreError("seal_keystore=pkcs12 needs seal_pkcs12_dir")
            store = Pkcs12Keystore(pkcs12_dir, pkcs12_password, data_dir)
        elif kind == "pkcs11":
            if not (pkcs11_module and pkcs11_token_label):
                raise KeystoreError(
                    "seal_keystore=pkcs11 needs pkcs11_module and pkcs11_token_label"
                )
            store = Pkcs11Keystore(pkcs11_module, pkcs11_token_label, pkcs11_pin, data_dir)
        else:
            raise KeystoreError(f"unknown keystore kind: {kind}")
        _keystores[key] = store
        return store


def default_keystore(data_dir: Path) -> Keystore:
    """The keystore the settings name (PORTAL_SEAL_KEYSTORE, default `files`)."""
    from portal.settings import get_settings

    settings = get_settings()
    return keystore_for(
        data_dir,
        kind=settings.seal_keystore,
        pkcs12_dir=settings.seal_pkcs12_dir,
        pkcs12_password=settings.seal_pkcs12_password,
        pkcs11_module=settings.pkcs11_module,
        pkcs11_token_label=settings.pkcs11_token_label,
        pkcs11_pin=settings.pkcs11_pin,
    )


def clear_keystore_cache() -> None:
    with _keystores_lock:
        for store in _keystores.values():
            if isinstance(store, Pkcs11Keystore):
                store.close()
        _keystores.clear()
