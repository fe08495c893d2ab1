from rest_framework import serializers

from crm.access import permissions

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

    Applied to every record serializer by RecordViewSet; the module is the view's.
    """

    def _masked(self):
        request = self.context.get("request")
        view = self.context.get("view")
        if request is None or view is None:
            return set()
        if not hasattr(self, "_masked_cache"):
            # RecordViewSet reads them once per request (for its search and filters).
            masked = getattr(view, "masked", None)
            self._masked_cache = permissions.masked_fields(request.user, view.module) if masked is None else masked
        return self._masked_cache

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for field in self._masked() & set(data):
            if data[field] not in (None, ""):
                data[field] = permissions.MASK
        return data

    def validate(self, attrs):
        refused = self._masked() & set(getattr(self, "initial_data", {}) or {})
        if refused:
            raise serializers.ValidationError({field: ["You cannot change this field."] for field in refused})
        return super().validate(attrs)


class MaskedPayloadMixin:
    """An audit row's serializer whose payload is masked as the caller may read it
    (crm.access.permissions.masked_payload): the view passes the caller's masked
    fields of the record's module as context["masked"]."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        masked = self.context.get("masked")
        if masked:
            data["payload"] = permissions.masked_payload(data["payload"], masked)
        return data
