"""The bundled development digital ID: a real OpenID Connect provider standing in for ThaID.

It runs as its own ASGI app (`create_provider_app`) in demos and tests, never in production.

1. The portal sends the browser to `/authorize` with client_id, an exact redirect_uri, scope
   `openid …`, state, nonce and an S256 PKCE challenge. The provider validates all of it first;
   a bad client or redirect_uri gets an error page, anything else a redirect with `error=`.
2. The person picks a test account (or types a citizen ID and password), reads the list of
   claims the portal asked for, and presses Allow or Cancel. Allow redirects with a one-time code.
3. The portal redeems the code at `/token` (client secret, PKCE verifier, same redirect_uri) and
   gets an RS256 ID token and an RFC 9068 JWT access token, both signed with the key at `key_path`
   and published at `/jwks`. A replayed code is refused and revokes what it issued.
4. `/userinfo` answers the same claims for the access token; `/logout` ends the browser session.
5. With `acr_values=urn:thaid:ial:<level>` a person below that level is offered a simulated
   face-scan step-up (or Cancel → `access_denied`). `grant_type=refresh_token` rotates refresh
   tokens; reusing an old one revokes its family.
6. A kiosk uses the device grant (RFC 8628): `/device_authorization` gives it a user code, the
   person signs in at `/device` on a phone, and the kiosk polls `/token` until approved.

Codes, sessions, refresh tokens, device codes and revocations live in memory; only the signing
key is kept on disk.
"""

from .accounts import ProviderAccount, ProviderClient
from .app import create_provider_app

__all__ = ["ProviderAccount", "ProviderClient", "create_provider_app"]
