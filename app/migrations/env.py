"""Alembic environment of the local database.

Migrations run on the connection the app hands in (``config.attributes["connection"]``);
the app backs the database up first (see app.services.core.db).
"""

from __future__ import annotations

from alembic import context

from app.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - migrations are only run through app.services.core.db
    raise RuntimeError("Daftar migrations run through app.services.core.db, not the alembic CLI")


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Leave the FTS5 index (made by raw SQL in 0001) out of autogenerate."""
    return not (type_ == "table" and name is not None and name.startswith("licence_fts"))


context.configure(
    include_name=include_name,
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
