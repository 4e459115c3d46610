"""The REST API at /api/v1/: one collection per registered type, and imports."""

from ninja import NinjaAPI

from crm.core import registry
from crm.core.api import SessionAuth, install_error_handlers, router_for
from crm.core.imports.api import router as imports_router
from crm.messaging.api import router as messaging_router
from crm.orders.api import router as orders_router
from crm.org.tokens import TokenAuth
from crm.products.api import router as products_router
from crm.sales.api import router as sales_router
from crm.sales.contact_role_api import router as contact_role_router
from crm.sales.pool_api import router as lead_pool_router
from crm.workflow.api import router as workflow_router

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
api.add_router("/", messaging_router)  # /notifications/, /announcements/
api.add_router("/", workflow_router)  # /approvals/, /approval-processes/, /alert-rules/
api.add_router("/", sales_router)  # /leads/{id}/convert/
api.add_router("/", contact_role_router)  # /opportunities/{id}/contacts/
api.add_router("/", lead_pool_router)  # /lead-pool/, /leads/{id}/claim/, release, assign, route
api.add_router("/", products_router)  # /products/{id}/price/
api.add_router("/", orders_router)  # /quotes/{id}/pdf/, /quotes/{id}/send/
