"""Alembic environment of the central server's database.

Migrations run on the connection the server hands in (``config.attributes["connection"]``);
for a SQLite file the server backs it up first (see server.db).
"""

from __future__ import annotations

from alembic import context

from server.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - migrations are only run through server.db
    raise RuntimeError("Server migrations run through server.db, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
