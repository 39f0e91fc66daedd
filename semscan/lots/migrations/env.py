"""Alembic environment of the lot database: run by :func:`semscan.lots.db.upgrade` with an
open connection in ``config.attributes["connection"]`` (never from an alembic.ini)."""

from __future__ import annotations

from alembic import context

from semscan.lots.models import Base


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("the lot migrations run through semscan.lots.db.upgrade(engine), "
                           "which passes a connection; run `semscan lots init`")
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


try:
    context.config  # noqa: B018  (set only inside an Alembic command)
except (AttributeError, NameError):  # imported by a tool outside Alembic (doctest collection)
    pass
else:
    _run()
