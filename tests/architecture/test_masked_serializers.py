"""Every serializer of the API that writes out a record of a module whose fields
an admin may mask (accounts, contacts, leads, deals) masks them
(docs/decisions/012-masking-on-read.md): RecordViewSet wraps its viewsets'
own serializers in api.sensitive.SensitiveFieldsMixin; any other one (duplicate
candidates, pool rows, worklists) mixes it in. A new serializer that forgets
it fails here before it can leak a hidden value."""

import importlib
import inspect
import pkgutil

from rest_framework import serializers

import api
from api.records import RecordViewSet
from api.sensitive import SensitiveFieldsMixin
from crm.builder.objects import object_name_for_model


def _api_classes():
    for info in pkgutil.iter_modules(api.__path__):
        module = importlib.import_module(f"api.{info.name}")
        for value in vars(module).values():
            if inspect.isclass(value) and value.__module__ == module.__name__:
                yield value


def test_every_serializer_of_a_maskable_record_masks_what_the_caller_may_not_see():
    classes = list(_api_classes())
    wrapped = {
        cls.serializer_class for cls in classes if issubclass(cls, RecordViewSet) and cls.serializer_class is not None
    }
    unmasked = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in classes
        if issubclass(cls, serializers.ModelSerializer)
        and hasattr(cls, "Meta")  # (a base serializer without a model has no records to mask)
        and object_name_for_model(cls.Meta.model) is not None
        and not issubclass(cls, SensitiveFieldsMixin)
        and not any(issubclass(cls, record_serializer) for record_serializer in wrapped)
    ]
    assert unmasked == []
