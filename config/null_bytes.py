"""A NUL character in a request's path or query string is a 400 before any view
runs. PostgreSQL cannot store or compare text with a NUL in it, so every search
box, filter and path parameter would otherwise turn it into a 500; no URL of
ours has a use for one. (Bodies are checked where they are read: Django's forms
and DRF's serializer fields refuse NUL with a field message.)"""

from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse

from api.exceptions import NullCharacters, bad_request


class NullByteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = unquote(request.META.get("QUERY_STRING", ""), errors="replace")
        if "\x00" in request.path or "\x00" in query:
            return bad_request(request, NullCharacters())
        return self.get_response(request)
