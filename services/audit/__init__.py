"""The audit chain: every state change, claim, view, decision and admin action, hash chained.

1. A domain function calls `service.record_event(db, actor=…, action=…, object_type=…,
   object_id=…, details=…)` inside its transaction.
2. `record_event` locks the chain's tail row, numbers the event (`seq`), links it to the tail's
   hash, hashes it (SHA-256 of a canonical JSON encoding) and moves the tail and the day's head.
3. The event commits or rolls back with the change it describes; triggers refuse any later
   UPDATE (and DELETE on PostgreSQL).
4. `verify.verify_chain(db)` (`portal audit verify`) walks the chain in order, recomputes every
   hash and link and every day's head, and reports the first break.

See ADR 0007.
"""
