"""A test client that speaks to the API with a real personal token."""

from __future__ import annotations

import json

from django.test import Client


class ApiClient:
    def __init__(self, token: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    def for_user(cls, user, *, read_only: bool = False) -> ApiClient:
        from crm.org.tokens import create_token

        _, raw = create_token(user, "tests", read_only=read_only)
        return cls(raw)

    def _send(self, method: str, path: str, data=None, headers=None):
        body = json.dumps(data) if data is not None else None
        return getattr(self.client, method)(
            path, body, content_type="application/json", headers={**self.headers, **(headers or {})}
        )

    def get(self, path: str, params=None):
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path: str, data=None, **kw):
        return self._send("post", path, data, **kw)

    def put(self, path: str, data=None, **kw):
        return self._send("put", path, data, **kw)

    def patch(self, path: str, data=None, **kw):
        return self._send("patch", path, data, **kw)

    def delete(self, path: str, **kw):
        return self._send("delete", path, None, **kw)
