"""The REST API at /api/v1/: one collection per registered type, and imports."""

from ninja import NinjaAPI

from crm.core import registry
from crm.core.api import SessionAuth, install_error_handlers, router_for
from crm.core.imports.api import router as imports_router
from crm.org.tokens import TokenAuth

api = NinjaAPI(
    title="CRM API",
    version="1",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

for _object_type in registry.all_types():
    api.add_router(f"/{_object_type.slug}/", router_for(_object_type))
api.add_router("/imports/", imports_router)
