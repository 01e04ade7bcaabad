"""The bundled RFC 3161 timestamp authority, and the choice between it and a production TSA.

1. `PortalTimeStamper` signs timestamp tokens with the TSA key from `documents/pki.py`, in the
   calling process (a worker needs no web process), with its key parsed once.
2. `respond_to_request` answers a DER TimeStampReq with a DER TimeStampResp: the HTTP endpoint
   `POST /pki/tsa` (portal/web/pki.py) uses it.
3. `get_timestamper(data_dir, tsa_url)`: empty URL = the bundled TSA in process; any URL =
   pyHanko's HTTPTimeStamper (a production TSA).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import cms, core, tsp, x509
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import get_nonce
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from documents.pki import (
    asn1_cert,
    ensure_ca,
    issuing_ca_paths,
    load_cert,
    load_private_key,
    tsa_paths,
)

# A UUID-based OID (X.667, no registration needed) naming this TSA's policy.
TSA_POLICY_OID = "2.25.231409864104620458128355391520546046651"
ACCEPTED_DIGESTS = {"sha256", "sha384", "sha512"}
MAX_REQUEST_BYTES = 16 * 1024


class PortalTimeStamper(DummyTimeStamper):
    """pyHanko's self-contained TSA, with the key parsed once and the clock in UTC.

    DummyTimeStamper builds genuine RFC 3161 tokens but re-parses its RSA key per token (about
    40 ms) and takes the policy of a test device; this keeps the key and uses our policy OID.
    """

    def __init__(
        self,
        *,
        tsa_cert: asn1_x509.Certificate,
        private_key: rsa.RSAPrivateKey,
        certs_to_embed: list[asn1_x509.Certificate],
    ) -> None:
        super().__init__(
            tsa_cert=tsa_cert,
            tsa_key=None,  # type: ignore[arg-type]  # never read: _sign_tst_info is replaced
            certs_to_embed=SimpleCertificateStore.from_certs(certs_to_embed),
        )
        self._private_key = private_key

        # Constant parts, built once and re-parsed from DER: asn1crypto re-serialises objects
        # built in Python on every dump(), which cost more than the RSA signature itself.
        self._tsa_name = x509.GeneralName.load(
            x509.GeneralName(name="directory_name", value=tsa_cert.subject).dump()
        )
        self._signing_cert_attr = cms.CMSAttribute.load(
            simple_cms_attribute(
                "signing_certificate_v2", general.as_signing_certificate_v2(tsa_cert)
            ).dump()
        )
        self._policy = tsp.ObjectIdentifier(TSA_POLICY_OID)
        self._accuracy = tsp.Accuracy.load(tsp.Accuracy({"seconds": 1}).dump())

    def _build_tst_info(
        self, message_imprint: tsp.MessageImprint, dt: datetime, req: tsp.TimeStampReq
    ) -> tsp.TSTInfo:
        info: dict[str, Any] = {
            "version": "v1",
            "policy": self._policy,
            "message_imprint": message_imprint,
            "serial_number": get_nonce(),
            "gen_time": dt,
            "accuracy": self._accuracy,
            "tsa": self._tsa_name,
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"]
        return tsp.TSTInfo(info)

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                self._signing_cert_attr,
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._private_key.sign(
            signed_attrs.dump(), padding.PKCS1v15(), _hash(md_algorithm)
        )
        return signature, signed_attrs

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        algorithm = req["message_imprint"]["hash_algorithm"]["algorithm"].native
        if algorithm not in ACCEPTED_DIGESTS:
            return tsp.TimeStampResp.load(_rejection("bad_alg", "unsupported hash algorithm"))
        dt = datetime.now(UTC)
        # Same construction as DummyTimeStamper, with an explicit UTC time per request.
        imprint: tsp.MessageImprint = req["message_imprint"]
        tst_info = self._build_tst_info(imprint, dt, req)
        data = tst_info.dump()
        signature, attrs = self._sign_tst_info(data, algorithm, dt)
        signed_data = self._build_signed_data(data, algorithm, signature, attrs)
        token = cms.ContentInfo(
            {"content_type": cms.ContentType("signed_data"), "content": cms.SignedData(signed_data)}
        )
        return tsp.TimeStampResp(
            {
                "status": tsp.PKIStatusInfo({"status": tsp.PKIStatus("granted")}),
                "time_stamp_token": token,
            }
        )


def _hash(md_algorithm: str) -> hashes.HashAlgorithm:
    return {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[
        md_algorithm.lower()
    ]


def _rejection(fail_info: str, text: str) -> bytes:
    """A DER TimeStampResp with status `rejection` and no token (RFC 3161 §2.4.2).

    Built by hand: asn1crypto's TimeStampResp does not mark timeStampToken OPTIONAL.
    """
    status = tsp.PKIStatusInfo(
        {
            "status": tsp.PKIStatus("rejection"),
            "status_string": [text],
            "fail_info": tsp.PKIFailureInfo({fail_info}),
        }
    ).dump()
    return b"\x30" + _der_length(len(status)) + status


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def respond_to_request(timestamper: PortalTimeStamper, body: bytes) -> bytes:
    """A DER TimeStampResp for a DER TimeStampReq; a malformed request gets a rejection."""
    if len(body) > MAX_REQUEST_BYTES:
        return _rejection("bad_request", "request too large")
    try:
        req = tsp.TimeStampReq.load(body, strict=True)
        _ = req.native  # parses every field now, so a malformed one is a rejection, not a 500
    except Exception:
        return _rejection("bad_data_format", "not a DER TimeStampReq")
    return timestamper.request_tsa_response(req).dump()


_bundled: dict[Path, PortalTimeStamper] = {}
_http: dict[str, HTTPTimeStamper] = {}
_lock = threading.Lock()


def get_bundled_timestamper(data_dir: Path) -> PortalTimeStamper:
    """The bundled TSA for this data dir, created on first use and cached per process."""
    key = Path(data_dir).resolve()
    with _lock:
        cached = _bundled.get(key)
        if cached is not None:
            return cached
        ensure_ca(data_dir)
        key_path, cert_path = tsa_paths(data_dir)
        timestamper = PortalTimeStamper(
            tsa_cert=asn1_cert(load_cert(cert_path)),
            private_key=load_private_key(key_path),
            certs_to_embed=[asn1_cert(load_cert(issuing_ca_paths(data_dir)[1]))],
        )
        _bundled[key] = timestamper
        return timestamper


def get_timestamper(data_dir: Path, tsa_url: str = "") -> TimeStamper:
    """Empty `tsa_url`: the bundled TSA in this process; otherwise an RFC 3161 HTTP client."""
    if not tsa_url:
        return get_bundled_timestamper(data_dir)
    with _lock:
        client = _http.get(tsa_url)
        if client is None:
            client = _http[tsa_url] = HTTPTimeStamper(tsa_url)
        return client


def clear_timestamper_cache() -> None:
    """Forgets cached timestampers (tests; after replacing the TSA key by hand)."""
    with _lock:
        _bundled.clear()
        _http.clear()
