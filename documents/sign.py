"""PAdES signatures on rendered certificates (pyHanko, synchronous API).

Routes and workers in the portal are synchronous, so this module uses pyHanko's sync wrappers,
which start their own event loop. Called inside a running loop (an `async` endpoint), the work
moves to a helper thread and still blocks that loop: async code should run `sign_pdf` with
`anyio.to_thread.run_sync`.

Timestamps are the next step: pass an RFC 3161 `timestamper` (for example
`pyhanko.sign.timestamps.HTTPTimeStamper(tsa_url)`) and the signature becomes PAdES B-T; B-LT
(embedded revocation info) and B-LTA follow from there. See ADR 0002.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper

from documents._loop import call_outside_event_loop
from documents.pki import get_agency_signer

PDF_MAGIC = b"%PDF-"
# Room for the CMS blob in the signature field. pyHanko otherwise sizes it by building a whole
# dummy signature first, which doubled signing time (44 -> 20 ms). Our CMS (seal + root
# certificates, RSA 2048 signature, signed attributes) is about 3.5 KB; a timestamp token adds
# several KB of unknown size, so with a timestamper pyHanko estimates again.
SIGNATURE_BYTES_RESERVED = 8192


def sign_pdf(
    pdf: bytes,
    signer: signers.Signer,
    *,
    reason: str,
    location: str,
    field_name: str = "Signature",
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Returns `pdf` with an invisible PAdES (ETSI.CAdES.detached, SHA-256) signature appended.

    The signature is an incremental update, so the rendered bytes stay untouched inside the
    signed file. `timestamper` is the seam for the TSA (None: no timestamp, PAdES B-B).
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
    output = call_outside_event_loop(
        signers.sign_pdf,
        writer,
        metadata,
        signer=signer,
        timestamper=timestamper,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
        bytes_reserved=None if timestamper is not None else SIGNATURE_BYTES_RESERVED,
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
) -> SealedPdf:
    """Seals `pdf` with the agency's current seal (STUB: PKI helper adds timestamp and LTV)."""
    signer = get_agency_signer(data_dir, agency_code, agency_name_en)
    signed = sign_pdf(pdf, signer, reason=reason, location=location)
    cert = signer.signing_cert
    return SealedPdf(
        pdf=signed,
        signer_subject=cert.subject.human_friendly,
        seal_serial=format(cert.serial_number, "x"),
        timestamped_at=None,
    )
