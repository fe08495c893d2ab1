"""Filters shared by the API's lists."""

import django_filters
from drf_spectacular.utils import extend_schema_field


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """`true` or `false` and nothing else: django-filter's BooleanFilter ignores
    what it cannot read, where the document promises a 400."""

    def __init__(self, **kwargs):
        super().__init__(choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true", **kwargs)
