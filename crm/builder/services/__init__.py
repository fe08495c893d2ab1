"""Writes of the module builder (docs/decisions/008): definitions of custom
fields, objects and layouts, the values of custom fields, and the records of
custom objects, one module each:

- fields: create_field, update_field, delete_field, restore_field, reorder_fields
- custom_objects: create_object, update_object, delete_object, restore_object
- layouts: save_layout, create_placed_field
- purge: purge_deleted, grace_period
- custom_values: set_custom_values, clean_custom_values, value_change
- records: create_record, update_record, delete_record (records of custom objects)
- merges: repoint_lookups, fill_blank_values (merges of built-in records)
- names and options: the checks of a definition's name and options

Callers import the package (`from crm.builder import services as builder`):
these names are its interface.

A definition change writes its metadata row and runs its DDL (crm.builder.ddl)
in one transaction: if either fails, both stay as they were. ValidationErrors
name the input at fault (the keys of the customization API: "object", "name",
"type", "required", ...; for values, the field's api_key).
"""

from crm.builder import selectors
from crm.builder.services.custom_objects import create_object, delete_object, restore_object, update_object
from crm.builder.services.custom_values import clean_custom_values, set_custom_values, value_change
from crm.builder.services.fields import create_field, delete_field, reorder_fields, restore_field, update_field
from crm.builder.services.layouts import create_placed_field, save_layout
from crm.builder.services.merges import fill_blank_values, repoint_lookups
from crm.builder.services.purge import grace_period, purge_deleted
from crm.builder.services.records import create_record, delete_record, update_record

__all__ = [
    "clean_custom_values",
    "create_field",
    "create_object",
    "create_placed_field",
    "create_record",
    "delete_field",
    "delete_object",
    "delete_record",
    "fill_blank_values",
    "grace_period",
    "purge_deleted",
    "reorder_fields",
    "repoint_lookups",
    "restore_field",
    "restore_object",
    "save_layout",
    "selectors",
    "set_custom_values",
    "update_field",
    "update_object",
    "update_record",
    "value_change",
]
