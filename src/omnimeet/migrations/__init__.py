"""Alembic migrations, shipped inside the package so that ``omnimeet serve`` can apply them anywhere."""
