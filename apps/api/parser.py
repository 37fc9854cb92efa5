import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.parser import Parser

from apps.api.problems import TooLarge


def declared_too_large(request: HttpRequest) -> bool:
    """Whether the request says its body is over API_MAX_BODY_BYTES (read nothing to know)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > settings.API_MAX_BODY_BYTES


class LimitedParser(Parser):
    """JSON bodies up to API_MAX_BODY_BYTES; a bigger one is refused before it is parsed."""

    def parse_body(self, request: HttpRequest) -> Any:
        # A body sent without its length is measured once read.
        if declared_too_large(request) or len(request.body) > settings.API_MAX_BODY_BYTES:
            raise TooLarge
        return json.loads(request.body)
