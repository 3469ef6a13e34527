"""The office's own plumbing, under every domain: the database and its migrations (db), the
office and its settings (office), the office's scope (scope), the outbox every change writes
(outbox), progress and cancel (progress), the secret store (credentials) and the reference
data as the database holds it (reference)."""
