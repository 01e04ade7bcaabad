"""Officers: who may use the back office, their sessions and their second factor.

1. A portal administrator registers an officer by citizen ID, agency and roles
   (`register_officer`); nobody becomes an officer by signing in.
2. The officer signs in with the same digital ID as citizens, at `/backoffice/login`; the
   callback looks the officer up by the ID token's `pid` and opens an `OfficerSession`, separate
   from citizen sessions (own table, own cookie scoped to `/backoffice`, 8 h absolute).
3. The session counts as two-factor only once `second_factor_at` is set: at once if the
   provider's `amr` already proves a second factor (RFC 8176), otherwise after a TOTP code
   (RFC 6238) — enrolled on first use (`begin_totp_enrolment`, `confirm_totp`), verified
   afterwards (`verify_second_factor`), never the same time step twice.
4. `authz` decides what an officer may see: their own agency's petitions, all of them for a
   portal administrator.
"""
