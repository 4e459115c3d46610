"""What gunicorn serves during the bench: the CRM, and `/_bench/bare`, a bare WSGI callable
in the same server and workers (the floor of the HTTP floor)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

_django = get_wsgi_application()
_BODY = b"hello"


def bare(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(_BODY)))])
    return [_BODY]


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/_bench/bare":
        return bare(environ, start_response)
    return _django(environ, start_response)
