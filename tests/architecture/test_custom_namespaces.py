"""The module builder's database namespaces are reserved (docs/decisions/008):
custom fields are columns `cf_<name>` and custom objects tables `cx_<name>`, so
no built-in model may ever use them — a built-in field added by a later release
can then never collide with a tenant's custom column or table."""

from django.apps import apps


def _builtin_models():
    # The project's registry only: the builder's run-time classes live in a
    # private registry of their own and are not built-in models.
    return apps.get_models(include_auto_created=True)


def test_no_built_in_column_starts_with_the_custom_field_prefix():
    offences = [
        f"{model._meta.label}.{field.name} ({field.column})"
        for model in _builtin_models()
        for field in model._meta.concrete_fields
        if field.column.lower().startswith("cf_")
    ]
    assert offences == []


def test_no_built_in_table_starts_with_the_custom_object_prefix():
    offences = [
        f"{model._meta.label} ({model._meta.db_table})"
        for model in _builtin_models()
        if model._meta.db_table.lower().startswith("cx_")
    ]
    assert offences == []
