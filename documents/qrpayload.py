"""What the certificate's QR code carries (STUB: verify helper owns this).

Final form: the number, the check code and a signature over them, checkable offline.
"""

from __future__ import annotations

from pathlib import Path


def qr_payload(data_dir: Path, base_url: str, number: str, check_code: str) -> str:
    """The text encoded in the QR code (for now the verify URL)."""
    return f"{base_url.rstrip('/')}/verify/{number}"
