"""The contact roles panel of an opportunity's page (联系人角色): listed, set and taken away
in place."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from crm.core import params, registry
from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.sales import contact_roles
from crm.sales.forms import ContactRoleForm
from crm.sales.models import ContactRole, Opportunity


def panel(opportunity: Opportunity, user, form: ContactRoleForm | None = None) -> dict:
    """The roles with their contacts (linked when the user sees them), and the form to set
    one for those who may change the opportunity."""
    roles = list(contact_roles.roles_of(opportunity))
    contact_type = registry.get("contact")
    contacts = contact_type.model.objects.visible_to(user)
    seen = set(contacts.filter(pk__in=[r.contact_id for r in roles]).values_list("pk", flat=True))

    def link(role: ContactRole) -> str:
        if role.contact_id not in seen:
            return ""
        return reverse(contact_type.url_name("detail"), args=[role.contact_id])

    if form is None and contact_roles.may_change(opportunity, user):
        form = ContactRoleForm(opportunity=opportunity, user=user)
    return {
        "opportunity": opportunity,
        "rows": [{"role": role, "link": link(role)} for role in roles],
        "form": form,
    }


def contact_roles_view(request, object_type, opportunity: Opportunity):
    """GET: the panel; POST: set a contact's role (`action=set`) or take it away
    (`action=remove`, `id`), then the panel again, with the refusal on its form."""
    form = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                pk = params.record_id(request.POST.get("id"), "id")
                role = get_object_or_404(ContactRole, pk=pk, opportunity=opportunity)
                contact_roles.remove_role(opportunity, role, actor=request.user)
            else:
                form = ContactRoleForm(request.POST, opportunity=opportunity, user=request.user)
                if form.is_valid():
                    data = form.cleaned_data
                    contact_roles.set_role(
                        opportunity,
                        data["contact"],
                        data["role"],
                        actor=request.user,
                        attitude=data["attitude"],
                        note=data["note"],
                    )
                    form = None
        except DomainError as error:
            form = form or ContactRoleForm(opportunity=opportunity, user=request.user)
            show_domain_error(form, error)
    context = {"data": panel(opportunity, request.user, form), "object_type": object_type}
    return render(request, "sales/_contact_roles.html", context)
