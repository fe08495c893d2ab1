from rest_framework import serializers

from crm.access import permissions


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
            self._masked_cache = permissions.masked_fields(request.user, view.module)
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
