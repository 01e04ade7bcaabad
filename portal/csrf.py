"""CSRF protection for every HTML form: a signed double-submit token.

Each browser gets a random cookie (HttpOnly, SameSite=Strict); forms carry HMAC(secret, cookie).
A cross-site page can neither read the cookie nor forge the HMAC. On https the cookie is named
`__Host-portal_csrf`, which browsers accept only from this exact host over TLS, so a sibling
subdomain or a plain-http response cannot plant a value the attacker knows.
The JSON API takes bearer tokens, not cookies, so it needs no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Request

from portal.errors import ForbiddenError

CSRF_FIELD = "csrf_token"


def csrf_cookie_name(secure: bool) -> str:
    return "__Host-portal_csrf" if secure else "portal_csrf"


class CsrfError(ForbiddenError):
    code = "csrf_failed"
    default_th = "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณากลับไปหน้าก่อนหน้า โหลดใหม่ แล้วลองอีกครั้ง"
    default_en = "This form has expired or is not valid; please go back, reload and try again"


def new_browser_secret() -> str:
    return secrets.token_urlsafe(32)


def token_for(secret_key: str, browser_secret: str) -> str:
    return hmac.new(secret_key.encode(), browser_secret.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token to put in this request's forms (the middleware ensures the cookie)."""
    return token_for(request.app.state.secret_key, request.state.browser_secret)


def verify_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    """Form dependency: refuses the request unless its token matches this browser's cookie."""
    cookie = request.cookies.get(request.app.state.csrf_cookie, "")
    expected = token_for(request.app.state.secret_key, cookie) if cookie else ""
    if not cookie or not csrf_token or not hmac.compare_digest(expected, csrf_token):
        raise CsrfError()


CsrfProtected = Depends(verify_csrf)
