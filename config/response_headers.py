"""Headers every response of ours carries, set in one place:

- Content-Security-Policy: scripts only from our own origin, never inline (no
  `<script>` blocks, no `on*=` attributes, no eval): the pages' behaviour is in
  static/crm.js. Styles may be inline (style="" attributes, htmx's indicator
  style). No framing, no plugins.
- Cache-Control `private, no-store` on every API response and on every page of a
  signed-in user: a shared cache or the browser's history must not keep a tenant's
  records (a page seen after signing out with the Back button included).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)


class ResponseHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response
