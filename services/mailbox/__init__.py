"""The citizen's secure mailbox: the portal's legal channel of record (Denmark's Digital Post).

1. A petition's state change (`services.petitions.notices`) or any other domain event calls
   `post_to_mailbox`, which writes a `MailboxMessage` in the caller's transaction.
2. In the same transaction it queues the notifications the citizen chose
   (`services.notifications`): they say only that a message arrived, with its subject and a
   link, never its content.
3. The citizen reads the message at `/me/mailbox/{id}` (marked read) and may mark it unread
   again; nobody edits or deletes a message.
"""
