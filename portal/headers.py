"""Security header values shared by the page middleware (`portal.app`) and the ASGI fast
paths that answer before it (`portal.api.v1.verify.FastVerifyPath`)."""

from __future__ import annotations

HSTS = "max-age=31536000; includeSubDomains"
"""A year, and every subdomain: no host under the portal's domain is ever reached over http."""
