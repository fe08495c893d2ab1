from rest_framework import serializers

from crm.access import masking, permissions
from crm.builder import objects as builder_objects

# What a list answers when asked to filter on a field masked for the caller.
FILTER_REFUSED = "You cannot filter on this field."


def unmasked(names, masked):
    """Of the search or ordering `names` ("phone", "account__name"), those not on a
    `masked` field: a search or a sort on a hidden value would tell it (a match,
    or the order of the rows). A left-out search field finds nothing; a left-out
    ordering is ignored, as an unknown one is."""
    return [name for name in names if name.split("__")[0] not in masked]


def refuse_masked_filters(params, filters, masked):
    """400 naming each query parameter of `params` that filters (`filters`:
    {parameter: the field it reads}) on a `masked` field. Refused rather than
    ignored: an ignored filter would answer every record to a client that asked
    for a few, and a matching one would tell the hidden value."""
    refused = sorted(
        param for param, field in filters.items() if field.split("__")[0] in masked and params.get(param, "") != ""
    )
    if refused:
        raise serializers.ValidationError({param: [FILTER_REFUSED] for param in refused})


class SensitiveFieldsMixin:
    """Masks the fields the admin hid from the caller's role, and refuses writes to them.

    Applied to every record serializer by RecordViewSet, and mixed into every
    other serializer of a record of a module with maskable fields (duplicate
    candidates, ...; tests/architecture/test_masked_serializers.py keeps it so).
    The module is the serializer's `mask_module`, else the module builder's
    name of its model (accounts, contacts, leads, deals), else the view's
    (custom objects); the caller is the context's request's
    user. Which fields are masked is crm.access.permissions.masked_fields; how
    they read is crm.access.masking.masked_values.
    """

    mask_module: str | None = None
    # {output key: the field whose value it holds, under another name}, masked with it.
    mask_aliases: dict[str, str] = {}

    def _masked(self):
        request = self.context.get("request")
        if request is None:
            return set()
        if not hasattr(self, "_masked_cache"):
            view = self.context.get("view")
            module = self.mask_module or self._model_module() or getattr(view, "module", None)
            # RecordViewSet reads its module's once per request (for its search and filters).
            masked = getattr(view, "masked", None) if module == getattr(view, "module", None) else None
            if masked is None:
                masked = permissions.masked_fields(request.user, module) if module else set()
            aliased = {key for key, field in self.mask_aliases.items() if field in masked}
            self._masked_cache = masked | aliased if aliased else masked
        return self._masked_cache

    def _model_module(self):
        model = getattr(getattr(self, "Meta", None), "model", None)
        return builder_objects.object_name_for_model(model) if model is not None else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        masked = self._masked() & set(data)
        return masking.masked_values(data, masked) if masked else data

    def validate(self, attrs):
        refused = self._masked() & set(getattr(self, "initial_data", {}) or {})
        if refused:
            raise serializers.ValidationError({field: ["You cannot change this field."] for field in refused})
        return super().validate(attrs)


class MaskedPayloadMixin:
    """An audit row's serializer whose payload is masked as the caller may read it
    (crm.access.masking.masked_payload): the view passes the caller's masked
    fields of the record's module as context["masked"]."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        masked = self.context.get("masked")
        if masked:
            data["payload"] = masking.masked_payload(data["payload"], masked)
        return data
