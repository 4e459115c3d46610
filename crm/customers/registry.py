"""Customers and contacts registered with the platform."""

from django.utils.translation import gettext_lazy as _

from crm.core.registry import (
    Approvable,
    Column,
    ImportChild,
    ObjectType,
    Related,
    SearchSpec,
    WorkbenchCard,
    register,
)
from crm.customers import filters, forms
from crm.customers.models import Contact, Customer


def my_customers(user) -> int:
    """The workbench's number: the customers `user` owns."""
    return Customer.objects.visible_to(user).filter(owner=user).count()


def contacts_of_my_customers(user) -> int:
    """The workbench's number: the contacts of the customers `user` owns."""
    return Contact.objects.visible_to(user).filter(customer__owner=user).count()


# What other systems call the customer's columns (the platform knows phone, email, owner,
# number and the like already: crm.core.imports.fields.COMMON_SYNONYMS).
CUSTOMER_SYNONYMS = {
    "name": ("客户", "公司名称", "企业名称", "单位名称", "company", "company name", "account name"),
    "number": ("客户代码", "客户编码", "客户代号", "customer code", "account number"),
    "mnemonic_code": ("助记码", "简码", "short code"),
    "customer_type": ("客户性质", "type"),
    "category": ("类别", "分类", "客户类别", "客户分类", "class", "classification"),
    "level": ("等级", "级别", "客户级别", "grade", "rating"),
    "industry": ("行业", "行业类别", "sector"),
    "region": ("地区", "区域", "销售区域", "片区", "area", "territory", "region"),
    "source": ("来源", "来源渠道", "lead source", "channel"),
    "province": ("省", "省份", "state"),
    "city": ("市", "城市"),
    "district": ("区", "区县", "县区", "county"),
    "parent": ("上级客户", "母公司", "parent company"),
    "credit_code": ("信用代码", "社会信用代码", "统一信用代码", "税号", "纳税人识别号", "tax id"),
    "address": ("公司地址", "办公地址", "注册地址"),
    "phone": ("公司电话", "总机"),
    "website": ("公司网址",),
    "tags": ("标签", "标记", "keywords"),
}
CONTACT_SYNONYMS = {
    "name": ("联系人", "姓名", "联系人姓名", "contact", "contact name", "full name"),
    "customer": ("客户", "公司", "公司名称", "所属客户", "单位", "company", "account"),
    "title": ("职务", "职位", "头衔", "position"),
    "department": ("部门", "所在部门", "dept"),
    "role": ("角色", "决策角色", "role"),
    "gender": ("性别", "sex"),
    "wechat": ("微信", "微信号", "weixin"),
    "birthday": ("生日", "出生日期", "date of birth", "DOB"),
    "is_primary": ("主联系人", "首要联系人", "primary"),
}

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
            "credit_limit",
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
        approvals=(Approvable("credit_limit", _("Credit limit change"), fields=("credit_limit",)),),
        match_keys=(
            ("number",),
            ("external_id",),
            ("credit_code",),
            ("name", "phone"),
            ("name",),
        ),
        import_synonyms=CUSTOMER_SYNONYMS,
        # A customer list from another system names a contact person on each row.
        import_child=ImportChild(
            "contact",
            link="customer",
            fields=("name", "mobile", "title", "email"),
            defaults={"is_primary": True},
        ),
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
        import_synonyms=CONTACT_SYNONYMS,
        workbench=WorkbenchCard(_("Contacts of my customers"), contacts_of_my_customers, order=20),
    )
)
