"""Outbound notifications by e-mail and SMS, queued durably and delivered by workers.

1. A citizen chooses channels at `/me/notifications` (`NotificationPreference`).
2. `post_to_mailbox` (and `queue_officer_notification`) write `Notification` rows in the
   transaction of the event itself (a transactional outbox): if the event rolls back, so does
   the notification; a request never talks to an SMTP server or an SMS gateway.
3. `delivery.deliver_notifications`, a housekeeping task of the worker, claims due rows with a
   conditional UPDATE (one sender per row, on SQLite and PostgreSQL), sends outside any
   transaction through the configured providers (`providers.py`) and marks each sent, or
   retries it with backoff and finally marks it failed.
"""
