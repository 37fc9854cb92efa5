import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.parser import Parser

from apps.api.problems import TooLarge


class LimitedParser(Parser):
    """JSON bodies up to API_MAX_BODY_BYTES; a bigger one is refused before it is parsed."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if (
            declared > settings.API_MAX_BODY_BYTES
            or len(request.body) > settings.API_MAX_BODY_BYTES
        ):
            raise TooLarge
        return json.loads(request.body)
