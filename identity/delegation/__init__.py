"""Acting for others: a citizen lets another citizen file petitions on their behalf.

1. The grantor gives a delegation from their account (`grant_delegation`): the grantee's
   citizen ID, which services (or "*" for all) and an expiry at most a year away.
2. The grantee, signed in as themselves, sees "Apply for: myself / <grantor>" on a service's
   form; the portal checks `find_active_delegation` when the form is shown and again when it is
   posted, and files the petition for the grantor (`citizen`), recording the grantee as
   `filed_by` and the delegation's id. Evidence is fetched about the grantor, so the read shows
   in the grantor's "Who used my data".
3. The grantor sees every petition filed for them, marked with who filed it; the grantee sees
   those petitions only while the delegation for that service is still active.
4. The grantor can revoke at any time (`revoke_delegation`); from then on the grantee can
   neither file for them nor open what they filed.

Delegations derived from the population register (a parent for a minor child) are not built.
"""
