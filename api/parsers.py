"""The API's JSON parser: DRF's, except that a document nested too deeply for
Python's parser (a RecursionError, e.g. 100 000 `[`) is a 400 like any other
malformed body, not a 500. Every API view reads JSON through it (settings)."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc
