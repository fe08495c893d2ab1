import re

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        # DRF quietly falls back to the default for a page_size it cannot read;
        # the document says it is a positive integer, so anything else is a 400.
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
            raise ValidationError({self.page_size_query_param: ["A positive integer is required."]})
        return min(int(value), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        # DRF reads an empty ?page= as page 1; the document says a positive integer.
        value = request.query_params.get(self.page_query_param)
        if value is not None and not re.fullmatch(r"[0-9]+", value):
            raise NotFound(self.invalid_page_message.format(page_number=value, message="Not a page number."))
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_query_param, self.page_size_query_param):
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = f"Number of results to return per page, at most {self.max_page_size}."
        return parameters
