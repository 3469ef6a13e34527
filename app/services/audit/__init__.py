"""Reading the audit trail: its screen's pages and filters, its export, and the check of
its chain (the trail is recorded by app.services.core.audit)."""
