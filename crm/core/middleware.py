"""Request-wide concerns: the request id for the change log and the user's language."""

from __future__ import annotations

import uuid

from django.utils import translation

from crm.core import context


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) that change-log rows carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:36] or str(uuid.uuid4())
        token = context.request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class UserLanguageMiddleware:
    """Serves a signed-in user in the language they chose (runs after authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
