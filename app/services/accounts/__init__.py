"""Staff accounts (issue 13): passwords, sign-in, and the head of office's management of
accounts. The permission check every command uses is app.services.core.access."""
