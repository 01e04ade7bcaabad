"""Time to render, seal and store one certificate on one core: the portal's path beside a naive one.

Both run in the same process, pinned to core 0 (`os.sched_setaffinity`), interleaved run by run
(the order alternates), on the same template, context and certificate data:

- portal: `documents.render.render_certificate_pdf` (process-wide FontConfiguration, stylesheets
  and small user-agent stylesheet, PNG QR code, cached ICC profile; PDF/A-3b with the JSON
  attachment), `documents.sign.seal_pdf` (cached seal key, RFC 3161 timestamp from the bundled
  TSA, DSS with the CA certificates and CRLs: PAdES B-LT) and the atomic write with fsync that
  `documents.service` uses;
- naive: the same HTML laid out with a fresh FontConfiguration and freshly parsed CSS for every
  document and WeasyPrint's defaults otherwise (full user-agent stylesheet, ICC profile parsed
  per document), `SimpleSigner.load` from the PEM files for every signature, pyHanko's default
  signature sizing (a dummy signature first) with the same timestamper, and the same write.

Each run issues a different certificate, the same one on both paths: the demo citizens in turn
(names, citizen ID, address, move-in date), each with its own document number, check code and
signed QR payload. Issuing one document over and over would flatter the portal path, which
reuses the line breaks and Pango layouts of text it has already set (documents/textmemo.py);
`--same-document` measures that case.

Ends with `key=value` lines for `bench/run.py`:
certificate_p50_ms, certificate_p90_ms, naive_p50_ms, certificate_speedup (and per-stage medians).
The CPU time of each path is printed above them: load from other processes inflates it less
than the wall time.

    .venv/bin/python bench/bench_certificates.py [--runs 40] [--warmup 5] [--same-document]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples import (  # noqa: E402  (bench/ is on sys.path)
    SAMPLE_NUMBER,
    sample_certificate_data,
    sample_residence_context,
)

AGENCY_CODE = "dopa"
AGENCY_NAME_EN = "Department of Provincial Administration"
REASON = f"Certificate of Residence {SAMPLE_NUMBER}, issued by {AGENCY_NAME_EN}"
LOCATION = "Thailand"

Stage = Callable[[Any], Any]
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _code(n: int, length: int) -> str:
    digits = []
    for _ in range(length):
        n, digit = divmod(n, len(_CODE_ALPHABET))
        digits.append(_CODE_ALPHABET[digit])
    return "".join(digits)


def sample_documents(count: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """`count` residence certificates (context, JSON data) for different demo citizens, each
    with its own number, check code and QR payload of the real payload's length."""
    from portal.servers import demo_population
    from services.dopa.certificates import residence_context
    from services.dopa.people import person_to_record

    base = sample_residence_context()
    people = demo_population()
    documents = []
    for i in range(count):
        person = people[i % len(people)]
        serial = _code(7919 * (i + 1) + 104729, 8)
        number = f"DOPA-2569-{serial}"
        check_code = f"{serial[4:]}-{serial[:4]}"
        context = residence_context(
            evidence={"dopa.population": person_to_record(person)},
            holder={"national_id": person.national_id},
            answers={"purpose": ("bank", "employment", "education", "other")[i % 4]},
        )
        signature = "".join(_code(i * 31 + k, 8) for k in range(11))[:86]
        numbering = {
            "document_number": number,
            "check_code": check_code,
            "verify_url": f"https://portal.example.go.th/verify/{number}",
            "qr_data": f"https://portal.example.go.th/v/{number}.{serial}.{signature}",
        }
        context = base | context | numbering
        documents.append((context, sample_certificate_data(context)))
    return documents


class Documents:
    """The certificate each run issues: `advance()` moves both paths to the next one."""

    def __init__(self, count: int) -> None:
        self.documents = sample_documents(count)
        self.index = 0

    def current(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return self.documents[self.index % len(self.documents)]

    def advance(self) -> None:
        self.index += 1


def portal_path(data_dir: Path, documents: Documents) -> list[tuple[str, Stage]]:
    from documents.render import render_certificate_pdf
    from documents.service import _write_atomically
    from documents.sign import seal_pdf

    target = data_dir / "documents" / "portal.pdf"

    def render(_: Any) -> bytes:
        context, data = documents.current()
        return render_certificate_pdf("residence", context, data=data)

    def seal(pdf: bytes) -> bytes:
        return seal_pdf(
            pdf,
            data_dir=data_dir,
            agency_code=AGENCY_CODE,
            agency_name_en=AGENCY_NAME_EN,
            reason=REASON,
            location=LOCATION,
        ).pdf

    def store(pdf: bytes) -> bytes:
        _write_atomically(target, pdf)
        return pdf

    return [("render", render), ("seal", seal), ("store", store)]


def naive_path(data_dir: Path, documents: Documents) -> list[tuple[str, Stage]]:
    import json

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from weasyprint import HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    from documents.pki import issuing_ca_paths, root_ca_paths, seal_paths
    from documents.render import (
        CERTIFICATES_DIR,
        certificate_url_fetcher,
        load_stylesheets,
        render_certificate_html,
    )
    from documents.service import _write_atomically
    from documents.tsa import get_timestamper

    key_path, cert_path = seal_paths(data_dir, AGENCY_CODE)
    ca_files = [str(issuing_ca_paths(data_dir)[1]), str(root_ca_paths(data_dir)[1])]
    timestamper = get_timestamper(data_dir, "")
    target = data_dir / "documents" / "naive.pdf"

    def render(_: Any) -> bytes:
        context, data = documents.current()
        font_config = FontConfiguration()
        html = HTML(
            string=render_certificate_html("residence", context),
            base_url=str(CERTIFICATES_DIR),
            url_fetcher=certificate_url_fetcher(),
        )
        attachment = Attachment(
            string=json.dumps(data, ensure_ascii=False),
            name="certificate.json",
            relationship="Data",
        )
        pdf = html.write_pdf(
            stylesheets=load_stylesheets(font_config),
            font_config=font_config,
            pdf_variant="pdf/a-3b",
            attachments=[attachment],
        )
        assert isinstance(pdf, bytes)
        return pdf

    def seal(pdf: bytes) -> bytes:
        signer = signers.SimpleSigner.load(str(key_path), str(cert_path), ca_chain_files=ca_files)
        assert signer is not None
        metadata = signers.PdfSignatureMetadata(
            field_name="Signature",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=REASON,
            location=LOCATION,
        )
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        return signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper).getvalue()

    def store(pdf: bytes) -> bytes:
        _write_atomically(target, pdf)
        return pdf

    return [("render", render), ("seal", seal), ("store", store)]


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def line(label: str, values: list[float]) -> str:
    return f"{label:<26} median {statistics.median(values):7.1f} ms   p90 {p90(values):7.1f} ms"


def _portal_gc() -> None:
    """The portal's processes run with `portal.runtime.tune_garbage_collector` (create_app)."""
    from portal.runtime import tune_garbage_collector

    tune_garbage_collector()


def _default_gc() -> None:
    gc.set_threshold(*DEFAULT_GC_THRESHOLDS)


DEFAULT_GC_THRESHOLDS = gc.get_threshold()  # CPython's defaults, before anything changes them
GC_SETTINGS: dict[str, Callable[[], None]] = {"portal": _portal_gc, "naive": _default_gc}


def run_once(stages: list[tuple[str, Stage]]) -> tuple[dict[str, float], bytes]:
    """Wall time per stage and in total, and the total CPU time of the process ("cpu"): on a
    machine shared with other work the CPU time shows what the wall time is inflated by."""
    timings: dict[str, float] = {}
    value: Any = None
    start, cpu_start = time.perf_counter(), time.process_time()
    for name, stage in stages:
        t0 = time.perf_counter()
        value = stage(value)
        timings[name] = (time.perf_counter() - t0) * 1000
    timings["total"] = (time.perf_counter() - start) * 1000
    timings["cpu"] = (time.process_time() - cpu_start) * 1000
    return timings, value


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="timed runs per path (default 40)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs per path first")
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to (default 0)")
    parser.add_argument(
        "--same-document",
        action="store_true",
        help="issue the same certificate every run instead of a different one",
    )
    args = parser.parse_args()

    os.sched_setaffinity(0, {args.core})

    from documents.pki import ensure_agency_seal, load_trust_roots
    from documents.verify import check_pdf_signature

    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as tmp:
        data_dir = Path(tmp)
        ensure_agency_seal(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
        documents = Documents(1 if args.same_document else args.warmup + args.runs)
        paths = {
            "portal": portal_path(data_dir, documents),
            "naive": naive_path(data_dir, documents),
        }
        roots = load_trust_roots(data_dir)
        for _ in range(max(args.warmup, 1)):  # at least one run, to validate the signatures
            for name, stages in paths.items():
                GC_SETTINGS[name]()
                _, signed = run_once(stages)
                report = check_pdf_signature(signed, roots)
                if not (report.intact and report.trusted):
                    raise SystemExit(f"{name} path produced a signature that does not validate")
            documents.advance()

        timings: dict[str, dict[str, list[float]]] = {name: {} for name in paths}
        for run in range(args.runs):
            order = list(paths) if run % 2 == 0 else list(reversed(paths))
            for name in order:
                GC_SETTINGS[name]()
                result, _ = run_once(paths[name])
                for stage, ms in result.items():
                    timings[name].setdefault(stage, []).append(ms)
            documents.advance()

    portal, naive = timings["portal"], timings["naive"]
    speedup = statistics.median(naive["total"]) / statistics.median(portal["total"])
    print(f"one core (CPU {args.core}), {args.runs} runs per path after {args.warmup} warm-up,")
    print("interleaved; render + seal (timestamp, DSS) + atomic store with fsync;")
    print("the same certificate every run" if args.same_document else "a new certificate every run")
    print(line("portal: total", portal["total"]))
    print(line("naive:  total", naive["total"]))
    print(f"speed-up: {speedup:.2f}x")
    print(line("portal: CPU time", portal["cpu"]))
    print(line("naive:  CPU time", naive["cpu"]))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for stage in ("render", "seal", "store"):
        print(line(f"  {stage} (portal)", portal[stage]))
        print(line(f"  {stage} (naive)", naive[stage]))
    print(f"certificate_p50_ms={statistics.median(portal['total']):.1f}")
    print(f"certificate_p90_ms={p90(portal['total']):.1f}")
    print(f"certificate_render_p50_ms={statistics.median(portal['render']):.1f}")
    print(f"certificate_seal_p50_ms={statistics.median(portal['seal']):.1f}")
    print(f"certificate_store_p50_ms={statistics.median(portal['store']):.1f}")
    print(f"naive_p50_ms={statistics.median(naive['total']):.1f}")
    print(f"naive_p90_ms={p90(naive['total']):.1f}")
    print(f"certificate_speedup={speedup:.2f}")


if __name__ == "__main__":
    main()
