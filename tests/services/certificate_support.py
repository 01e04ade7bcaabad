"""Completing a certificate context as the worker does, for the agency modules' render tests."""

from __future__ import annotations

from datetime import UTC, datetime


def full_context(context: dict, agency) -> dict:  # type: ignore[type-arg,no-untyped-def]
    """A builder's context with what the worker and `issue_document` add before rendering."""
    number = f"{agency.code.upper()}-2569-7K3M9QXD"
    return {
        **context,
        "agency": agency.letterhead(),
        "document_number": number,
        "verify_url": f"https://portal.example.go.th/verify/{number}",
        "issued_at": datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
    }
