"""Customers and contacts registered with the platform."""

from django.utils.translation import gettext_lazy as _

from crm.core.registry import Column, ObjectType, Related, SearchSpec, WorkbenchCard, register
from crm.customers import filters, forms
from crm.customers.models import Contact, Customer


def my_customers(user) -> int:
    """The workbench's number: the customers `user` owns."""
    return Customer.objects.visible_to(user).filter(owner=user).count()


def contacts_of_my_customers(user) -> int:
    """The workbench's number: the contacts of the customers `user` owns."""
    return Contact.objects.visible_to(user).filter(customer__owner=user).count()


ORDERINGS = (
    "-updated_at",
    "updated_at",
    "name",
    "-name",
    "-created_at",
    "created_at",
    "number",
    "-number",
)

register(
    ObjectType(
        model=Customer,
        slug="customers",
        form=forms.CustomerForm,
        filterset=filters.CustomerFilter,
        columns=[
            Column("name", _("Customer name"), "title", sortable=True),
            Column("number", _("Number"), sortable=True),
            Column("mnemonic_code", _("Mnemonic code")),
            Column("customer_type", _("Customer type"), "choice"),
            Column("status", _("Status"), "choice"),
            Column("category", _("Category"), "dict"),
            Column("level", _("Level"), "dict"),
            Column("industry", _("Industry"), "dict"),
            Column("region", _("Sales region"), "dict"),
            Column("source", _("Source"), "dict"),
            Column("province", _("Province")),
            Column("city", _("City")),
            Column("phone", _("Phone")),
            Column("email", _("Email")),
            Column("tags", _("Tags")),
            Column("owner", _("Owner"), "user"),
            Column("created_at", _("Created at"), "datetime", sortable=True),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=[
            "name",
            "number",
            "status",
            "level",
            "industry",
            "city",
            "phone",
            "owner",
            "updated_at",
        ],
        search=SearchSpec(
            title="name",
            subtitle="city",
            text=("number", "mnemonic_code", "tags"),
            phones=("phone",),
            emails=("email",),
        ),
        detail_fields=[
            "number",
            "mnemonic_code",
            "customer_type",
            "status",
            "category",
            "level",
            "industry",
            "region",
            "source",
            "province",
            "city",
            "district",
            "address",
            "parent",
            "credit_code",
            "phone",
            "email",
            "website",
            "tags",
            "owner",
            "notes",
        ],
        related=[
            Related(
                "contact", "customer", _("Contacts"), ("name", "title", "role", "mobile", "email")
            )
        ],
        orderings=ORDERINGS,
        icon="building",
        masked=("phone",),
        match_keys=(("number",), ("external_id",), ("credit_code",), ("name", "phone")),
        workbench=WorkbenchCard(
            _("My customers"), my_customers, order=10, create_label=_("New customer")
        ),
    )
)

register(
    ObjectType(
        model=Contact,
        slug="contacts",
        form=forms.ContactForm,
        filterset=filters.ContactFilter,
        columns=[
            Column("name", _("Name"), "title", sortable=True),
            Column("number", _("Number"), sortable=True),
            Column("customer", _("Customer"), "link"),
            Column("title", _("Job title")),
            Column("department", _("Department")),
            Column("role", _("Buying role"), "dict"),
            Column("gender", _("Gender"), "choice"),
            Column("mobile", _("Mobile")),
            Column("phone", _("Phone")),
            Column("email", _("Email")),
            Column("wechat", _("WeChat")),
            Column("owner", _("Owner"), "user"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=["name", "customer", "title", "role", "mobile", "email", "updated_at"],
        search=SearchSpec(
            title="name",
            subtitle="customer__name",
            text=("number", "mnemonic_code"),
            phones=("mobile", "phone"),
            emails=("email",),
        ),
        api_fields=("mnemonic_code",),
        detail_fields=[
            "number",
            "customer",
            "title",
            "department",
            "role",
            "gender",
            "mobile",
            "phone",
            "email",
            "wechat",
            "birthday",
            "is_primary",
            "owner",
            "notes",
        ],
        orderings=ORDERINGS,
        icon="user",
        masked=("mobile", "phone"),
        match_keys=(("number",), ("external_id",), ("name", "mobile")),
        workbench=WorkbenchCard(_("Contacts of my customers"), contacts_of_my_customers, order=20),
    )
)
