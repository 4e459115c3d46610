"""Request-wide concerns: the request id for the change log, the user's language, the
security headers of every answer and the size limit of requests."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from crm.core import context
from crm.core.views.editing import same_site


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


class SecurityHeadersMiddleware:
    """Headers of every page and API answer: the Content-Security-Policy (scripts only from
    the CRM's own files, never inline) and `Cache-Control: no-store`, so that neither the
    browser nor a proxy keeps customer data. Static files do not pass here: they keep
    their caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CRM_CONTENT_SECURITY_POLICY
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


# Room for the form around an uploaded file: its other fields and the multipart headers.
ENVELOPE_BYTES = 1024 * 1024


class RequestSizeMiddleware:
    """Refuses a request whose declared size is beyond what its page takes, with 413 and
    the limit, before anything reads its body. Pages that take a file have the file's
    limit (imports, attachments: by URL name); the rest what Django reads of a form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limits = _limits()
        if length > min(limits.values()) + ENVELOPE_BYTES:
            kind = _kind(request.path_info)
            if length > limits[kind] + ENVELOPE_BYTES:
                return _too_large(request, kind, limits[kind])
        return self.get_response(request)


def _limits() -> dict[str, int]:
    return {
        "import": settings.CRM_IMPORT_MAX_BYTES,
        "attachment": settings.CRM_ATTACHMENT_MAX_BYTES,
        "form": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    }


def _kind(path: str) -> str:
    """What a request to `path` sends: an import file (a type's import page and the API's
    imports), an attachment, or a form."""
    try:
        name = resolve(path).url_name or ""
    except Resolver404:
        return "form"
    if name.endswith("_import"):
        return "import"
    if name.endswith("_attach"):
        return "attachment"
    return "form"


def _too_large(request, kind: str, limit: int):
    mb = limit // 2**20
    if kind == "form":
        message = _("The request is larger than %(mb)d MB.") % {"mb": mb}
    else:
        message = _("The file is larger than %(mb)d MB.") % {"mb": mb}
    if request.path_info.startswith("/api/") or request.headers.get("HX-Request") == "true":
        body = {"code": "too_large", "message": message, "fields": {}}
        return JsonResponse(body, status=413)
    back = same_site(request, request.headers.get("referer"), reverse("home"))
    return render(request, "413.html", {"message": message, "back": back}, status=413)
