"""The audit chain: every state change, claim, view, decision and admin action, hash chained.

1. A domain function calls `service.record_event(db, actor=…, action=…, object_type=…,
   object_id=…, details=…)` inside its transaction: one `audit_pending` row, no lock taken.
2. After the commit, the sealer (`service.seal_pending`: right after the commit when
   `audit_seal_after_commit` is on, and in every worker about once a second) locks the chain's
   tail row, numbers each committed pending event (`seq`), links it to the tail's hash, hashes
   it (SHA-256 of a canonical JSON encoding) and moves the tail and the day's head.
3. Triggers refuse any UPDATE of events and pending rows (and DELETE of events, and of pending
   rows not yet sealed, on PostgreSQL).
4. `verify.verify_chain(db)` (`portal audit verify`) walks the chain in order, recomputes every
   hash and link and every day's head, compares sealed events with their pending rows, and
   reports the first break; `verify.pending_backlog` tells whether a sealer is running.

See ADR 0007 (and its update for issue 8).
"""
