"""The module builder's part of a backup (docs/decisions/008-module-builder.md).

Custom fields are columns `cf_<name>` on built-in tables and custom objects are
tables `cx_<name>`, made at run time by `crm.builder.ddl`, not by migrations.
So a staging schema built from the backup's migrations lacks them: restore first
loads the builder's metadata tables, then replays the builder's DDL from that
metadata in the staging schema, then loads every other table into it. For that
the backup writes the metadata tables before all others (the object is read as
a stream, once).
"""

from django.apps import apps

BUILDER_APP = "builder"
FIELD_PREFIX = "cf_"
OBJECT_PREFIX = "cx_"


def metadata_tables():
    """The tables of the builder's own models (CustomObject, CustomField, Layout,
    and any many-to-many table between them), which describe the custom rest."""
    try:
        config = apps.get_app_config(BUILDER_APP)
    except LookupError:
        return set()
    return {model._meta.db_table for model in config.get_models(include_auto_created=True)}


def is_custom_table(name):
    return name.startswith(OBJECT_PREFIX)


def is_custom_column(name):
    return name.startswith(FIELD_PREFIX)


def metadata_first(tables):
    """`tables` (catalog.Table) with the builder's metadata tables first, each group by name."""
    first = metadata_tables()
    return sorted(tables, key=lambda table: (table.name not in first, table.name))


def summary(tables):
    """What the manifest says about custom storage, for people reading it and for
    restore's error messages: {"metadata_tables", "custom_tables", "custom_columns"}."""
    first = metadata_tables()
    return {
        "metadata_tables": sorted(t.name for t in tables if t.name in first),
        "custom_tables": sorted(t.name for t in tables if is_custom_table(t.name)),
        "custom_columns": {
            t.name: [c for c in t.columns if is_custom_column(c)]
            for t in tables
            if not is_custom_table(t.name) and any(is_custom_column(c) for c in t.columns)
        },
    }
