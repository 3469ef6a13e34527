"""The audit trail's screen (app.views.audit.window)."""
