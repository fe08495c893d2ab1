"""OpenAPI generation: every operation documents the errors it can answer with,
and the inputs it takes as exactly as DRF reads them."""

import copy

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from api.preconditions import ETAG_DESCRIPTION, IF_MATCH_DESCRIPTION
from crm.access.permissions import MASK

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Every DRF CharField (and django-filter's, and DRF's ?search=) answers 400 to a
# NUL character, which PostgreSQL cannot store; one that may not be blank also
# to a value that is only whitespace, which it trims away first.
_NO_NUL = r"^[^\u0000]*$"
_NO_NUL_NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


# In an @extend_schema(responses={...}): the serializer the view answers with
# (its get_serializer(), with the tenant's custom fields), for an action written
# once for several viewsets (api/accounts.py's create with its duplicate warning)
# whose records differ. `None` there would document "No response body".
class _ViewSerializer:
    def __repr__(self):
        return "VIEW_SERIALIZER"


VIEW_SERIALIZER = _ViewSerializer()
_FIELD_ERRORS = {
    "type": "object",
    "description": "Messages per field; `non_field_errors` for the request as a whole.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def may_read_masked(schema):
    """A response property of a field the admin may mask: its own shape, or MASK
    for a caller whose role it is masked from (crm.access.masking)."""
    masked = {"type": "string", "enum": [MASK], "description": "The value, masked for the caller's role."}
    return {"anyOf": [schema, masked]}


def _maskable_names(module):
    """The fields of `module` the tenant's admin may mask (none on the public host)."""
    from django.db import connection

    from crm.access.selectors import maskable_fields

    if not module or connection.schema_name == "public":
        return set()
    return {name for name, _label in maskable_fields().get(module, [])}


class MaskableFieldsExtension(OpenApiSerializerExtension):
    """Every serializer that masks (api.sensitive.SensitiveFieldsMixin) documents
    its maskable fields as "the value or MASK" in responses: what a generated
    client must accept from a role the admin hid a field from."""

    target_class = "api.sensitive.SensitiveFieldsMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction != "response":
            return schema
        serializer = self.target
        module = (
            serializer.mask_module
            or serializer._model_module()
            or getattr(getattr(auto_schema, "view", None), "module", None)
        )
        maskable = _maskable_names(module)
        aliases = getattr(serializer, "mask_aliases", {})
        for name, prop in schema.get("properties", {}).items():
            if name in maskable or aliases.get(name) in maskable:
                schema["properties"][name] = may_read_masked(prop)
        return schema


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {"400": ("Invalid input", self._component("ValidationError", {"anyOf": [_FIELD_ERRORS, _DETAIL]}))}
        if not self._is_open():
            errors["401"] = ("Not authenticated, or a token of another tenant", self._component("Error", _DETAIL))
        if "{" in self.path:
            errors["404"] = ("Not found, or not visible to you", self._component("Error", _DETAIL))
        if self._versioned() and self._action() in ("partial_update", "update", "destroy"):
            # api/preconditions.py, and crm.access.ownership for who may give a record away.
            errors["403"] = (
                "Only the record's owner, their managers, directors and admins may change its owner or delete it",
                self._component("Error", _DETAIL),
            )
            errors["412"] = (
                "The record changed since the version in If-Match; nothing was changed",
                self._component("Error", _DETAIL),
            )
        elif self._is_paginated_list():
            errors["404"] = ("No such page", self._component("Error", _DETAIL))
        for status, (description, ref) in errors.items():
            responses.setdefault(
                status,
                {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                },
            )
        for status, response in responses.items():
            if not status.startswith("2") and not response.get("content"):
                # An error declared by its description only (OpenApiResponse(description=...))
                # still answers {"detail": "..."}, as every error of this API does.
                response["content"] = {"application/json": {"schema": self._component("Error", _DETAIL)}}
        return responses

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        if serializer is VIEW_SERIALIZER:
            serializer = self._get_serializer()
        return super()._get_response_for_code(serializer, status_code, media_types, direction)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and isinstance(schema, dict)
            and "pattern" not in schema
        ):
            may_be_blank = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = _NO_NUL if may_be_blank else _NO_NUL_NOT_BLANK
        return schema

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        if parameters and callable(getattr(self.view, "custom_fields", None)):
            # The tenant's custom fields' filters (api/records.py).
            from api.custom_fields import filter_parameters

            parameters = parameters + filter_parameters(self.view.custom_fields())
        for parameter in parameters:
            # Filters, search and ordering all read an empty value as "not given".
            parameter["allowEmptyValue"] = True
            schema = parameter.get("schema", {})
            # (?ordering= too: a NUL anywhere in a query string is a 400, config/null_bytes.py.)
            if schema.get("type") == "string" and "pattern" not in schema:
                schema["pattern"] = _NO_NUL
        return parameters

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if not self._versioned():
            return parameters
        action = self._action()
        if action in ("partial_update", "update", "destroy"):
            parameters = [
                *parameters,
                OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description=IF_MATCH_DESCRIPTION),
            ]
        if action in ("retrieve", "create", "partial_update", "update"):
            parameters = [
                *parameters,
                OpenApiParameter(
                    "ETag", str, OpenApiParameter.HEADER, response=[200, 201], description=ETAG_DESCRIPTION
                ),
            ]
        return parameters

    def _versioned(self):
        return getattr(self.view, "versioned", False)

    def _action(self):
        return getattr(self.view, "action", None)

    def _is_paginated_list(self):
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    def _is_open(self):
        return any(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _component(self, name, schema):
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/token/, valid on its own tenant's host only.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


_OBJECT_PATHS = (
    "/api/v1/objects/{object_name}/",
    "/api/v1/objects/{object_name}/export/",
    "/api/v1/objects/{object_name}/{id}/",
    "/api/v1/objects/{object_name}/{record_id}/activities/",
    "/api/v1/objects/{object_name}/{record_id}/attachments/",
    "/api/v1/objects/{object_name}/{record_id}/history/",
)
_OBJECT_COMPONENTS = ("CustomRecord", "CustomRecordRequest", "PatchedCustomRecordRequest", "PaginatedCustomRecordList")


def _camel(name):
    return "".join(part.title() for part in name.split("_"))


def _renamed(value, refs, object_name):
    """A copy of a path item with its references and operation ids made the object's own."""
    if isinstance(value, dict):
        renamed = {}
        for key, item in value.items():
            if key == "$ref" and item in refs:
                item = refs[item]
            elif key == "operationId" and isinstance(item, str) and item.startswith("objects_"):
                item = f"objects_{object_name}_{item[len('objects_') :]}"
            else:
                item = _renamed(item, refs, object_name)
            renamed[key] = item
        return renamed
    if isinstance(value, list):
        return [_renamed(item, refs, object_name) for item in value]
    return value


def _add_saved_view_lists(paths):
    """The saved views' ?list= filter also takes each custom object's list (cx:<name>)."""
    from crm.savedviews.selectors import lists

    for parameter in paths.get("/api/v1/saved-views/", {}).get("get", {}).get("parameters", []):
        if parameter.get("name") == "list" and "enum" in parameter.get("schema", {}):
            parameter["schema"]["enum"] = list(lists())


def custom_objects_hook(result, generator, request, public):
    """The document of a tenant's host describes each of that tenant's custom
    objects (docs/decisions/008): the one generic route /api/v1/objects/<name>/
    becomes a path per object, with a component per object holding its custom
    fields, read from the tenant's schema for this request only."""
    from django.db import connection

    from api.custom_fields import field_schema, filter_parameters
    from crm.builder import selectors

    paths = result.get("paths", {})
    generic = {path: paths.pop(path) for path in _OBJECT_PATHS if path in paths}
    schemas = result.get("components", {}).get("schemas", {})
    base = {name: schemas.pop(name) for name in _OBJECT_COMPONENTS if name in schemas}
    if not generic or connection.schema_name == "public":
        return result
    _add_saved_view_lists(paths)
    for custom in selectors.custom_objects():
        fields = selectors.fields_for(custom.name, include_hidden=True)
        component = f"{_camel(custom.name)}Record"
        names = {old: old.replace("CustomRecord", component) for old in base}
        for old, new in names.items():
            schema = copy.deepcopy(base[old])
            properties = schema.setdefault("properties", {})
            if old == "PaginatedCustomRecordList":
                properties["results"]["items"]["$ref"] = f"#/components/schemas/{component}"
            else:
                for field in fields:
                    properties[field.api_key] = field_schema(field)
                    if old == "CustomRecordRequest" and field.required and field.default is None:
                        schema.setdefault("required", []).append(field.api_key)
                    if old == "CustomRecord":
                        # Every field of a custom object may be masked.
                        properties[field.api_key] = may_read_masked(properties[field.api_key])
                        schema.setdefault("required", []).append(field.api_key)
            schemas[new] = schema
        for path, item in generic.items():
            item = _renamed(
                item,
                {f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in names.items()},
                custom.name,
            )
            for operation in item.values():
                if not isinstance(operation, dict) or "parameters" not in operation:
                    continue
                operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "object_name"]
                operation["tags"] = [custom.name]
                if (
                    path.endswith("{object_name}/")
                    and "responses" in operation
                    and "200" in operation["responses"]
                    and operation.get("operationId", "").endswith("_list")
                ):
                    operation["parameters"] += filter_parameters(fields)
            paths[path.replace("{object_name}", custom.name)] = item
    return result
