"""`?search=` on people (contacts, leads): DRF's search, and also the whole name
typed in either order with or without a space ("李伟", "李 伟", "Wei Li"), by
the one rule of crm.contacts.names."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import OrderingFilter, SearchFilter

from crm.contacts import names

NAME_FIELDS = {"first_name", "last_name"}


class PersonSearchFilter(SearchFilter):
    """A masked name field is not in the view's search fields (api/records.py);
    then the whole name is not searched either, or a match would tell it."""

    def filter_queryset(self, request, queryset, view):
        found = super().filter_queryset(request, queryset, view)
        terms = self.get_search_terms(request)
        if not terms or not NAME_FIELDS <= set(self.get_search_fields(view, request) or ()):
            return found
        return found | queryset.filter(names.name_contains("".join(terms)))


PERSON_FILTER_BACKENDS = [DjangoFilterBackend, PersonSearchFilter, OrderingFilter]
