"""Workshop events, seasonal bazaars and exhibitions: the service (events, registration,
attendance, calendar, closure days) and import/export (io)."""
