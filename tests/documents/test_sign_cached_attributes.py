"""documents.sign.cache_signed_attributes: signed attributes spliced from cached DER must be
exactly what pyHanko builds, and anything unusual must still go to pyHanko."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from asn1crypto import cms

from documents.pki import clear_signer_cache, get_agency_signer, load_trust_roots
from documents.render import render_certificate_pdf
from documents.sign import cache_signed_attributes, seal_pdf
from documents.verify import check_pdf_signature
from tests.documents.factories import AGENCY_CODE, AGENCY_NAME_EN, full_residence_context


def two_signers(data_dir: Path) -> tuple[object, object]:
    plain = get_agency_signer(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
    clear_signer_cache()
    cached = get_agency_signer(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
    clear_signer_cache()
    assert plain is not cached
    cache_signed_attributes(cached)  # type: ignore[arg-type]
    return plain, cached


def test_cached_attributes_are_byte_identical_to_pyhankos(data_dir: Path) -> None:
    plain, cached = two_signers(data_dir)

    async def both(digest: bytes) -> tuple[bytes, bytes]:
        a = await plain.signed_attrs(digest, "sha256", use_pades=True)  # type: ignore[attr-defined]
        b = await cached.signed_attrs(digest, "sha256", use_pades=True)  # type: ignore[attr-defined]
        return a.dump(), b.dump()

    for i in range(3):  # the first call builds the template, the next ones splice
        digest = hashlib.sha256(str(i).encode()).digest()
        built, spliced = asyncio.run(both(digest))
        assert spliced == built
        attrs = cms.CMSAttributes.load(spliced)
        values = {attr["type"].native: attr["values"][0].native for attr in attrs}
        assert values["message_digest"] == digest


def test_other_requests_go_to_pyhanko(data_dir: Path) -> None:
    plain, cached = two_signers(data_dir)

    async def run(signer: object, algorithm: str = "sha256", **kwargs: object) -> bytes:
        data = hashlib.new(algorithm, b"x").digest()
        attrs = await signer.signed_attrs(data, algorithm, **kwargs)  # type: ignore[attr-defined]
        return attrs.dump()

    assert asyncio.run(run(cached, use_pades=True))  # fills the cache
    # Not PAdES (plain CMS: another attribute set): built by pyHanko, not from the cache.
    not_pades = cms.CMSAttributes.load(asyncio.run(run(cached, use_pades=False)))
    assert "cms_algorithm_protection" in {attr["type"].native for attr in not_pades}
    assert asyncio.run(run(cached, use_pades=False)) == asyncio.run(run(plain, use_pades=False))
    # Another digest algorithm: its own template, the same bytes as pyHanko's.
    for _ in range(2):
        assert asyncio.run(run(cached, "sha512", use_pades=True)) == asyncio.run(
            run(plain, "sha512", use_pades=True)
        )


def test_sealed_twice_with_the_cached_signer_validates(data_dir: Path) -> None:
    pdf = render_certificate_pdf("residence", full_residence_context())
    roots = load_trust_roots(data_dir)
    for _ in range(2):
        sealed = seal_pdf(
            pdf,
            data_dir=data_dir,
            agency_code=AGENCY_CODE,
            agency_name_en=AGENCY_NAME_EN,
            reason="test",
            location="Thailand",
        )
        report = check_pdf_signature(sealed.pdf, roots)
        assert report.intact and report.trusted
