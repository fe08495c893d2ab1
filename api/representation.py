"""Reading a record into JSON without DRF's per-field lookup on every row.

`Serializer.to_representation` finds, for each field of each row, how to read
it (`field.get_attribute`: a generic walk of the source path with its error
handling) and whether it is a primary-key-only relation. For a page of fifty
contacts that is most of the time the list takes after its queries
(docs/benchmarks.md, "Lists at scale"). `DirectRead` works that out once per
serializer instance, i.e. once per request for a list, and then reads each
row's attributes directly. The output is DRF's, field for field: a field
whose reading is anything but a plain attribute (a dotted or `*` source, an
overridden `get_attribute`, a nested serializer, a missing attribute, a
callable) goes through DRF's own path.
"""

from collections.abc import Mapping

from django.core.exceptions import FieldDoesNotExist
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField

_SKIP = object()


def _drf_reader(field):
    """DRF's own reading of one field (Serializer.to_representation, per field)."""

    def read(instance):
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            return _SKIP
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else field.to_representation(attribute)

    return read


def _foreign_key_attname(serializer, source):
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        return None
    try:
        model_field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return None
    return model_field.attname if model_field.many_to_one and model_field.concrete else None


def _reader(serializer, field):
    slow = _drf_reader(field)
    if len(field.source_attrs) != 1 or isinstance(field, serializers.BaseSerializer):
        return slow
    source = field.source_attrs[0]

    if isinstance(field, PrimaryKeyRelatedField):
        attname = _foreign_key_attname(serializer, source)
        if attname is None or field.pk_field is not None or not field.use_pk_only_optimization():
            return slow

        def read_pk(instance):
            # What DRF's PKOnlyObject holds: the model's `<fk>_id`, no row loaded.
            if isinstance(instance, Mapping):
                return slow(instance)
            return getattr(instance, attname)

        return read_pk

    if type(field).get_attribute is not Field.get_attribute:
        return slow
    to_representation = field.to_representation

    def read(instance):
        if isinstance(instance, Mapping):
            return slow(instance)
        try:
            value = getattr(instance, source)
        except AttributeError:
            return slow(instance)  # DRF's default / allow_null / skip rules
        if value is None:
            return None
        if callable(value):
            return slow(instance)
        return to_representation(value)

    return read


class DirectRead(serializers.Serializer):
    """Serializer.to_representation, with each field's reader chosen once.

    Listed after the concrete serializer among a class's bases (or first, on a
    serializer that does not override `to_representation`), so that the
    serializer's own `to_representation` still wraps this one.
    """

    def _readers(self):
        fields = self.fields.fields  # BindingDict's own dict: iterating the mapping is slower
        cached = self.__dict__.get("_direct_readers")
        # Fields may be added to an instance after it is made (custom fields are).
        names = tuple(fields)
        if cached is None or cached[0] != names:
            cached = (names, [(field.field_name, _reader(self, field)) for field in self._readable_fields])
            self.__dict__["_direct_readers"] = cached
        return cached[1]

    def to_representation(self, instance):
        data = {}
        for name, read in self._readers():
            value = read(instance)
            if value is not _SKIP:
                data[name] = value
        return data
