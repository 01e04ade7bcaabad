"""Alembic environment: one metadata from every domain package's SQLModel tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool
from sqlmodel import create_engine

from portal.db import AwareDateTime, import_all_models, normalise_url

target_metadata = import_all_models().metadata
config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from portal.settings import get_settings

        url = get_settings().database_url
    return normalise_url(url)


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Migrations spell our column types in plain SQLAlchemy, so old migrations never depend
    on application code that may change."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Batch mode lets ALTER TABLE work on SQLite by rebuilding the table.
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
