"""PAdES baseline B-LT signatures on rendered certificates (pyHanko, synchronous API).

`seal_pdf` produces, in one incremental update:

1. an approval signature (ETSI.CAdES.detached, SHA-256, RSA) with the agency seal, whose CMS
   carries the seal, the issuing CA and the root;
2. an RFC 3161 signature timestamp (the bundled TSA in process, or `tsa_url`);
3. a DSS with the CA certificates, the TSA certificate and both CRLs of our CA, taken from
   data_dir/pki (documents/crl.py): validation data travels with the file, and nothing is
   fetched from the network while signing.

Routes and workers are synchronous, so this uses pyHanko's sync wrappers, which start their own
event loop; inside a running loop the work moves to a helper thread (documents/_loop.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import cms
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore

from documents._loop import call_outside_event_loop
from documents.crl import asn1_crls, current_crls
from documents.keystore import Keystore, default_keystore
from documents.pki import asn1_cert, ca_chain, ensure_ca, issuing_ca_paths, load_cert, tsa_paths
from documents.tsa import get_timestamper

PDF_MAGIC = b"%PDF-"
# Room for the CMS blob in the signature field, fixed: pyHanko otherwise sizes it by building
# a whole dummy signature (and, with a timestamper, a dummy timestamp) first. Our CMS is about
# 4.5 KB (3 certificates + signature) and the timestamp token about 3.5 KB (2 certificates).
SIGNATURE_BYTES_RESERVED = 16384


class _RecordingTimeStamper(TimeStamper):
    """Passes requests to a timestamper and keeps the token's genTime for the document record."""

    def __init__(self, inner: TimeStamper) -> None:
        super().__init__()
        self.inner = inner
        self.gen_time: datetime | None = None

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        token = await self.inner.async_timestamp(message_digest, md_algorithm)
        tst_info = token["content"]["encap_content_info"]["content"].parsed
        self.gen_time = tst_info["gen_time"].native
        return token

    async def async_dummy_response(self, md_algorithm: str) -> cms.ContentInfo:
        return await self.inner.async_dummy_response(md_algorithm)


def sign_pdf(
    pdf: bytes,
    signer: signers.Signer,
    *,
    reason: str,
    location: str,
    field_name: str = "Signature",
    timestamper: TimeStamper | None = None,
    dss_certs: list[Any] | None = None,
    dss_crls: list[Any] | None = None,
) -> bytes:
    """Returns `pdf` with an invisible PAdES (ETSI.CAdES.detached, SHA-256) signature appended.

    The signature is an incremental update, so the rendered bytes stay untouched inside the
    signed file. `timestamper` adds an RFC 3161 signature timestamp (B-T); `dss_certs` and
    `dss_crls` (asn1crypto objects) go into a DSS in the same revision (B-LT).
    """
    if not pdf.startswith(PDF_MAGIC):
        raise ValueError("not a PDF")
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    if dss_certs or dss_crls:
        # Written before the signature, so it is part of the signed revision (no VRI: PAdES
        # baseline does not need it, and a VRI would force a second revision).
        DocumentSecurityStore.supply_dss_in_writer(
            writer, None, certs=dss_certs or [], crls=dss_crls or []
        )
    output = call_outside_event_loop(
        signers.sign_pdf,
        writer,
        metadata,
        signer=signer,
        timestamper=timestamper,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
        bytes_reserved=SIGNATURE_BYTES_RESERVED,
    )
    return output.getvalue()


@dataclass(frozen=True)
class SealedPdf:
    """A signed PDF and what the document record keeps about its signature."""

    pdf: bytes
    signer_subject: str
    seal_serial: str  # hex
    timestamped_at: datetime | None


def seal_pdf(
    pdf: bytes,
    *,
    data_dir: Path,
    agency_code: str,
    agency_name_en: str,
    reason: str,
    location: str,
    keystore: Keystore | None = None,
    timestamper: TimeStamper | None = None,
    timestamp: bool = True,
) -> SealedPdf:
    """Seals `pdf` with the agency's current seal as PAdES B-LT (timestamp, DSS with CRLs).

    `keystore` defaults to the configured one (files, PKCS#12 or PKCS#11); `timestamper` to the
    configured TSA (`tsa_url`, empty = bundled). `timestamp=False` gives B-B (benchmarks only).
    """
    store = keystore or default_keystore(data_dir)
    dss_certs = _dss_certs(data_dir)
    signer = store.signer(agency_code, agency_name_en)
    cache_signed_attributes(signer)
    recording: _RecordingTimeStamper | None = None
    if timestamp:
        if timestamper is None:
            from portal.settings import get_settings

            timestamper = get_timestamper(data_dir, get_settings().tsa_url)
        recording = _RecordingTimeStamper(timestamper)
    signed = sign_pdf(
        pdf,
        signer,
        reason=reason,
        location=location,
        timestamper=recording,
        dss_certs=dss_certs,
        dss_crls=asn1_crls(current_crls(data_dir)),
    )
    cert = signer.signing_cert
    assert cert is not None
    return SealedPdf(
        pdf=signed,
        signer_subject=cert.subject.human_friendly,
        seal_serial=format(cert.serial_number, "x"),
        timestamped_at=recording.gen_time if recording is not None else None,
    )


# Signed attributes of a PAdES signature that are the same for every signature of one seal.
_CONSTANT_ATTRIBUTES = frozenset({"content_type", "message_digest", "signing_certificate_v2"})


def cache_signed_attributes(signer: signers.Signer) -> None:
    """Makes `signer` build its CMS signed attributes from serialised bytes (about 4 ms less
    per signature; asn1crypto builds and serialises them in Python each time otherwise).

    A PAdES signature signs three attributes: content type, message digest and the signing
    certificate (ESS signing-certificate-v2: the certificate's hash, issuer and serial). Only
    the digest changes from document to document. The first signature is built by pyHanko as
    usual; its DER is kept with the digest cut out, and later signatures splice their digest
    in and parse the result (parsed objects are written back without re-encoding). Anything
    else (a dry run, CAdES extras, another attribute set) goes to pyHanko unchanged. The seam
    is an instance attribute, so any Signer (files, PKCS#12, PKCS#11) gets it; it is set once.
    """
    if getattr(signer, "_portal_cached_attributes", False):
        return
    build = signer.signed_attrs
    templates: dict[tuple[str, bytes], tuple[bytes, bytes, int]] = {}

    async def signed_attrs(
        data_digest: bytes,
        digest_algorithm: str,
        attr_settings: PdfCMSSignedAttributes | None = None,
        content_type: str = "data",
        use_pades: bool = False,
        timestamper: TimeStamper | None = None,
        dry_run: bool = False,
        is_pdf_sig: bool = True,
    ) -> cms.CMSAttributes:
        def original() -> Any:
            return build(
                data_digest,
                digest_algorithm,
                attr_settings=attr_settings,
                content_type=content_type,
                use_pades=use_pades,
                timestamper=timestamper,
                dry_run=dry_run,
                is_pdf_sig=is_pdf_sig,
            )

        cacheable = (
            use_pades
            and is_pdf_sig
            and not dry_run
            and content_type == "data"
            and signer.signing_cert is not None
            and (
                attr_settings is None
                or (
                    attr_settings.cades_signed_attrs is None
                    and attr_settings.adobe_revinfo_attr is None
                )
            )
        )
        if not cacheable:
            return await original()
        assert signer.signing_cert is not None
        key = (digest_algorithm.lower(), signer.signing_cert.sha256)
        template = templates.get(key)
        if template is not None and len(data_digest) == template[2]:
            prefix, suffix, _ = template
            return cms.CMSAttributes.load(prefix + data_digest + suffix)
        attrs = await original()
        der = attrs.dump()
        types = {attr["type"].native for attr in attrs}
        if types == _CONSTANT_ATTRIBUTES and der.count(data_digest) == 1:
            prefix, _, suffix = der.partition(data_digest)
            templates[key] = (prefix, suffix, len(data_digest))
        return attrs

    signer.signed_attrs = signed_attrs  # type: ignore[method-assign]
    signer._portal_cached_attributes = True  # type: ignore[attr-defined]


_dss_cache: dict[Path, tuple[float, list[Any]]] = {}


def _dss_certs(data_dir: Path) -> list[Any]:
    """Issuing CA, root and TSA certificates, parsed once per change of the issuing CA file."""
    chain_path = issuing_ca_paths(data_dir)[1]
    if not chain_path.exists():  # a PKCS#12 or HSM seal before any file seal: create our CA
        ensure_ca(data_dir)
    key = Path(data_dir).resolve()
    mtime = chain_path.stat().st_mtime
    cached = _dss_cache.get(key)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    certs = [asn1_cert(c) for c in ca_chain(data_dir)]
    tsa_cert_path = tsa_paths(data_dir)[1]
    if tsa_cert_path.exists():
        certs.append(asn1_cert(load_cert(tsa_cert_path)))
    _dss_cache[key] = (mtime, certs)
    return certs
