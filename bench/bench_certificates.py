"""Time to render and seal one residence certificate: the portal's cached path beside a naive one.

Both run in the same process, interleaved run by run, on the same template and context:

- portal: `documents.render.render_certificate_pdf` (one FontConfiguration and one parsed
  stylesheet per process) and `documents.sign.sign_pdf` with the cached agency signer (key parsed
  once, fixed signature room);
- naive: a fresh FontConfiguration and freshly parsed CSS for every render, and
  `SimpleSigner.load` from the PEM files for every signature, signed with pyHanko's defaults
  (which size the signature by first building a dummy one).

    .venv/bin/python bench/bench_certificates.py [--runs 30]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples import sample_residence_context  # noqa: E402  (bench/ is on sys.path)

AGENCY_CODE = "dopa"
AGENCY_NAME_EN = "Department of Provincial Administration"


def portal_path(data_dir: Path) -> tuple[Callable[[], bytes], Callable[[bytes], bytes]]:
    from documents.pki import get_agency_signer
    from documents.render import render_certificate_pdf
    from documents.sign import sign_pdf

    context = sample_residence_context()

    def render() -> bytes:
        return render_certificate_pdf("residence", context)

    def sign(pdf: bytes) -> bytes:
        signer = get_agency_signer(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
        return sign_pdf(pdf, signer, reason="Benchmark", location="Thailand")

    return render, sign


def naive_path(data_dir: Path) -> tuple[Callable[[], bytes], Callable[[bytes], bytes]]:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from documents.pki import root_ca_paths, seal_paths
    from documents.render import (
        CERTIFICATES_DIR,
        certificate_url_fetcher,
        load_stylesheets,
        render_certificate_html,
    )

    context = sample_residence_context()
    key_path, cert_path = seal_paths(data_dir, AGENCY_CODE)
    _, root_path = root_ca_paths(data_dir)

    def render() -> bytes:
        font_config = FontConfiguration()
        html = HTML(
            string=render_certificate_html("residence", context),
            base_url=str(CERTIFICATES_DIR),
            url_fetcher=certificate_url_fetcher(),
        )
        pdf = html.write_pdf(stylesheets=load_stylesheets(font_config), font_config=font_config)
        assert isinstance(pdf, bytes)
        return pdf

    def sign(pdf: bytes) -> bytes:
        signer = signers.SimpleSigner.load(
            str(key_path), str(cert_path), ca_chain_files=(str(root_path),)
        )
        assert signer is not None
        metadata = signers.PdfSignatureMetadata(
            field_name="Signature",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Benchmark",
            location="Thailand",
        )
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        return signers.sign_pdf(writer, metadata, signer=signer).getvalue()

    return render, sign


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def line(label: str, values: list[float]) -> str:
    return f"{label} median {statistics.median(values):.1f} ms p90 {p90(values):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per path (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per path first")
    args = parser.parse_args()

    from documents.pki import ensure_agency_seal, load_trust_roots
    from documents.verify import check_pdf_signature

    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as tmp:
        data_dir = Path(tmp)
        ensure_agency_seal(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
        paths = {"portal": portal_path(data_dir), "naive": naive_path(data_dir)}
        timings: dict[str, dict[str, list[float]]] = {
            name: {"render": [], "sign": [], "total": []} for name in paths
        }
        roots = load_trust_roots(data_dir)
        for name, (render, sign) in paths.items():
            for _ in range(args.warmup):
                signed = sign(render())
            report = check_pdf_signature(signed, roots)
            if not (report.intact and report.trusted):
                raise SystemExit(f"{name} path produced a signature that does not validate")

        for run in range(args.runs):
            order = list(paths) if run % 2 == 0 else list(reversed(paths))
            for name in order:
                render, sign = paths[name]
                start = time.perf_counter()
                pdf = render()
                rendered = time.perf_counter()
                sign(pdf)
                done = time.perf_counter()
                timings[name]["render"].append((rendered - start) * 1000)
                timings[name]["sign"].append((done - rendered) * 1000)
                timings[name]["total"].append((done - start) * 1000)

    portal, naive = timings["portal"], timings["naive"]
    print(f"runs: {args.runs} per path (after {args.warmup} warm-up), interleaved")
    print(line("render+sign (portal):", portal["total"]))
    print(line("render+sign (naive): ", naive["total"]))
    speed_up = statistics.median(naive["total"]) / statistics.median(portal["total"])
    print(f"speed-up: {speed_up:.2f}x")
    print(line("  render (portal):", portal["render"]))
    print(line("  render (naive): ", naive["render"]))
    print(line("  sign   (portal):", portal["sign"]))
    print(line("  sign   (naive): ", naive["sign"]))


if __name__ == "__main__":
    main()
