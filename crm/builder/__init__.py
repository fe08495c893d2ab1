"""Module builder: custom fields and objects as real columns and tables (docs/decisions/008-module-builder.md).

Interface (what the UI, import/export, backups and the API build on)
--------------------------------------------------------------------
- models: CustomObject, CustomField (FieldType in CustomField.Type), Layout.
- objects: BUILTIN_OBJECTS, table_for(object_name), builtin_names(object_name),
  object_name_for_model(model), is_builtin(object_name).
- selectors: fields_for(object_name, *, include_hidden=False) -> [FieldDef];
  field_def(custom_field_row); custom_fields(object_name=None, deleted=False);
  custom_field_get(pk); custom_objects(deleted=False); custom_object_get(name)
  (404); custom_object_get_by_id(pk); object_exists(name); object_names();
  layout_for(object_name, kind); default_layout(...);
  records_visible_to(user, object_name, fields=None);
  record_get_for_user(user, object_name, pk, fields=None) (404);
  lookup_target_visible(target, pk, user=None); lookup_choices(user, target, search="").
- query: with_custom_fields(queryset, object_name, fields=None),
  filter_custom(queryset, fields, params), filter_params(fields),
  search_condition(fields, term) -> Q | None, ordering_keys(fields), output_field(field).
- values: clean_value(field, raw, *, partial, user=None) (raw MISSING = not given),
  clean_values(fields, data, *, partial, user=None) -> {api_key: value}, to_json(field, value), MISSING.
- definitions: FieldDef, field_def, fields_for (also named in selectors, which
  re-export them; query builds on this module, not on selectors).
- services (a package, one module per part: fields, custom_objects, layouts,
  purge, custom_values, records, merges; the package names them all):
  create_field / update_field(field, *, by, **changes) / delete_field /
  restore_field(field, *, by); create_object / update_object / delete_object /
  restore_object; reorder_fields(*, object_name, names, by); save_layout;
  create_placed_field; purge_deleted(now=None);
  set_custom_values(*, object_name, record_id, values, fields=None) (values
  already cleaned, keyed by api_key); clean_custom_values(object_name, data, *, by, partial);
  create_record(object_name, *, by, name, owner=None, values=None) and
  update_record(object_name, record, *, by, values=None, name=..., owner=...) and
  delete_record(object_name, record, *, by) -- values keyed by field name, checked inside;
  set_custom_values(..., by=user) also writes the field-level history row
  (`<record>.updated`, {api_key: {"label", "old", "new"}}): pass `by` from UI and imports;
  repoint_lookups(*, target_object, from_id, to_id) and
  fill_blank_values(*, object_name, keep_id, other_id) -- for merges (accounts, contacts call them).
- dynamic: record_model(object_name), object_name_of(model_or_record), APP_LABEL ("cx").
- Activities and files on a custom record (the record fetched with record_get_for_user first):
  crm.activities.services.log_activity(..., record=<custom record>), selectors.timeline_for(user, record);
  crm.attachments.services.add_attachment(by=, record=, upload=), selectors.attachments_of(record),
  selectors.attachment_record_get_for_user(user, attachment) (404) for download/delete of any attachment;
  crm.audit.selectors.history_for(record). API: /api/v1/objects/<name>/<id>/activities/ (GET, POST),
  .../attachments/ (GET, POST multipart `file`), .../history/ (GET); files are then served and deleted at
  /api/v1/attachments/<id>/[download/], activities changed at /api/v1/activities/<id>/.
- ddl: Busy (lock timed out: answer 409), replay(object_name=None) (idempotent; call
  inside transaction.atomic() in the tenant's schema), add_column / alter_column /
  drop_column / create_table / drop_table (services only).

Differences from the first brief: update_record/delete_record take object_name
first; records' `values` are keyed by field name and checked by the service; a
required field on a built-in object needs a default; a lookup cannot be required.
"""
