"""Kiosks: registered devices where a citizen signs in with their phone, never a password.

1. An administrator registers a kiosk (`register_kiosk`: name, location, agency) and gives the
   one-time activation code to the technician; on the kiosk, `/kiosk/activate` trades it
   (`activate_kiosk`, single use, 24 h) for a device credential kept in an HttpOnly cookie.
   The database holds only SHA-256 hashes of both. Every kiosk request authenticates the
   device (`authenticate_device`); a disabled or unknown device cannot start anything.
2. "Sign in with your phone" starts the OAuth 2.0 Device Authorization Grant (RFC 8628,
   `device_flow`): the provider's user code and a QR code of its verification URI are shown;
   the device code stays server-side in a `KioskSignIn` row, never in the kiosk page.
3. The kiosk page polls the portal; the portal polls the provider at most once per interval,
   honouring `slow_down`, until the citizen allows (an ID token, validated like any sign-in),
   denies, or the code expires.
4. An allowed sign-in opens a `KioskSession` (5 minutes, its own cookie scoped to `/kiosk`);
   "Finish" ends it and wipes the browser's cache, storage and every cookie but the device's.
"""
