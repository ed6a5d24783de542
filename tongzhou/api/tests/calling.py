"""What the API tests share: a caller with a fresh personal token (or none) and the one error format."""

from __future__ import annotations

import json

from django.test import Client

from tongzhou.accounts.services import api_token_create

BASE = "/api/v1"


class Caller:
    """Calls the API as one user with a fresh personal token, or anonymously, in a language."""

    def __init__(self, user=None, *, lang: str = "zh-hans") -> None:
        self.client = Client()
        self.headers = {"Accept-Language": lang}
        if user is not None:
            self.headers["Authorization"] = "Bearer " + api_token_create(user=user, name="test")[1]

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(self, path: str, body=None):
        return self.client.post(
            BASE + path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, body):
        return self.client.patch(
            BASE + path, json.dumps(body), content_type="application/json", headers=self.headers
        )

    def delete(self, path: str):
        return self.client.delete(BASE + path, headers=self.headers)


def error_of(response) -> dict:
    """The error of a refused call, after checking it has the one shape: {"error": {code, message, details}}."""
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]
