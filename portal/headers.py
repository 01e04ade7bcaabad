"""What every answer of the portal carries: the visitor's language, the browser's CSRF secret,
the security and caching headers. Header values are shared with the ASGI fast paths that answer
before the page middleware (`portal.api.v1.verify.FastVerifyPath`)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.csrf import new_browser_secret
from portal.i18n import LANG_COOKIE, current_language, pick_language

HSTS = "max-age=31536000; includeSubDomains"
"""A year, and every subdomain: no host under the portal's domain is ever reached over http."""


class PageMiddleware:
    """Pure ASGI (Starlette's `BaseHTTPMiddleware` ran each request in a task group with a
    memory stream between the two halves: a quarter of a millisecond per request).

    Before the app: the language (query, cookie, Accept-Language) and the browser's CSRF secret
    (`request.state.browser_secret`, a new one if the browser has none). On the answer: that
    new secret's cookie on pages, the language cookie when chosen in the query, HSTS when
    cookies are secure, no shared caching of anything personal, and the security headers.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        csrf_cookie: str,
        secure: bool,
        oidc_issuer: str,
        personal_cookies: tuple[str, ...],
    ) -> None:
        self.app = app
        self.csrf_cookie = csrf_cookie
        self.secure = secure
        self.personal_cookies = personal_cookies
        self.csp = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self' " + oidc_issuer
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        cookies = connection.cookies
        query_lang = connection.query_params.get("lang")
        lang = pick_language(
            query_lang, cookies.get(LANG_COOKIE), connection.headers.get("accept-language")
        )
        browser_secret = cookies.get(self.csrf_cookie)
        new_secret = None if browser_secret else new_browser_secret()
        state = scope.setdefault("state", {})
        state["browser_secret"] = browser_secret or new_secret
        state["viewer"] = None
        personal = (
            any(name in cookies for name in self.personal_cookies)
            or "authorization" in connection.headers
        ) and not scope["path"].startswith("/static/")
        set_language = query_lang in ("th", "en")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # Only pages carry forms: a CSRF cookie on JSON, CSV or PDF answers would only
                # make them uncacheable (an answer that sets a cookie is made private below).
                if new_secret and headers.get("content-type", "").startswith("text/html"):
                    self._set_cookie(
                        headers, self.csrf_cookie, new_secret, httponly=True, samesite="strict"
                    )
                if set_language:
                    self._set_cookie(
                        headers, LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax"
                    )
                if self.secure:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                cache_control = headers.get("cache-control", "")
                if "public" in cache_control and "set-cookie" in headers:
                    # A shared cache must never hand one visitor's new cookie to the next.
                    headers["Cache-Control"] = cache_control.replace("public", "private")
                if personal:
                    # Personal pages and API answers must not stay in shared or browser caches.
                    headers.setdefault("Cache-Control", "private, no-store")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", self.csp)
            await send(message)

        token = current_language.set(lang)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            current_language.reset(token)

    def _set_cookie(
        self, headers: MutableHeaders, name: str, value: str, **options: object
    ) -> None:
        cookie = Response()
        cookie.set_cookie(name, value, secure=self.secure, path="/", **options)  # type: ignore[arg-type]
        for key, raw in cookie.raw_headers:
            if key == b"set-cookie":
                headers.append("set-cookie", raw.decode("latin-1"))
