"""WSGI entry point for production: `gunicorn crm.wsgi`.

Static files are not served here: run `crm collectstatic` and let nginx (or equivalent)
serve STATIC_ROOT at /static/. `crm run` wraps this app to serve them itself.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

application = get_wsgi_application()
