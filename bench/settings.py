"""The CRM's own settings, plus the bench URLs (an authenticated hello view) and the test
client's host. Everything else — middleware, database, templates — is exactly the app's."""

from crm.settings import *  # noqa: F403
from crm.settings import ALLOWED_HOSTS

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
