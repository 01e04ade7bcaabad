"""The audit chain: every state change, claim, view, decision and admin action, hash chained."""
