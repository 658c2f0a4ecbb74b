"""The project's own tables (SQLAlchemy 1.4, 2.0-style API) and their Alembic migrations."""
