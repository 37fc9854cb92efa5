"""A small JSON client of the integration API for the tests."""

import json
from typing import Any

from django.test import Client

PREFIX = "/api/v1"


class ApiClient:
    def __init__(self, language: str = "en") -> None:
        self.browser = Client(headers={"accept-language": language})

    def _headers(self, token: str | None, headers: dict[str, str]) -> dict[str, str]:
        if token is not None:
            headers = {"Authorization": f"Bearer {token}", **headers}
        return headers

    def get(self, path: str, token: str | None = None, **params: Any):
        headers = params.pop("headers", {})
        return self.browser.get(PREFIX + path, params, headers=self._headers(token, headers))

    def post(self, path: str, body: Any = None, token: str | None = None, **headers: str):
        raw = body if isinstance(body, str | bytes) else json.dumps({} if body is None else body)
        return self.browser.post(
            PREFIX + path,
            raw,
            content_type="application/json",
            headers=self._headers(token, headers),
        )
