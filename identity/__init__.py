"""Who is asking: digital-ID sign-in, sessions, and the bundled development provider.

1. `identity.oidc` is the relying party: it sends the citizen to the provider with state, nonce
   and a PKCE challenge, and on return checks them and the ID token's signature against the JWKS.
2. `identity.sessions` keeps server-side sessions; the browser holds only a random cookie.
3. `identity.provider` is a real OpenID Connect provider (Authlib) standing in for ThaID in demos.
4. `identity.citizen_ids` checks 13-digit citizen IDs (mod-11 check digit).
"""
