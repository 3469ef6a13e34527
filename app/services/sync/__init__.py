"""Sync with the central server: the client (client), what it leaves for a clerk (review),
folding holders registered twice (identity), checking pulled rows (checks), its errors
(errors) and the https rule (security)."""
