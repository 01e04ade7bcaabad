"""Outbound notifications by e-mail and SMS, queued durably and delivered by workers."""
