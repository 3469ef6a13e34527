"""Licences and their holders: the service (issue, edit, renew, suspend, revoke, history),
the register's query (register), import and export (io) and bulk writing (bulk)."""
