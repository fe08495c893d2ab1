"""Upgrades across every tenant: `manage.py upgrade` (docs/decisions/007-upgrades.md).

plan.py     what each schema still needs, read from its django_migrations rows
migrate.py  migrating one schema in this process, reusing the migration graph
locks.py    the advisory lock that keeps two runs off one schema
services.py the run: public and spares, canaries, workers, status rows, progress
"""
