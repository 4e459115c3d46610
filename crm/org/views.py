"""Pages of the organisation: the unit tree, employees, teams and user accounts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.core import access, registry
from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.params import record_id
from crm.core.views.editing import expected_version, form_page, paginate, posted, special_required
from crm.org import services
from crm.org.forms import (
    EmployeeFilterForm,
    EmployeeForm,
    HandoverForm,
    OrgUnitForm,
    RoleForm,
    TeamForm,
    UserForm,
    tree_order,
)
from crm.org.handover import preview, start_handover, transferable_types
from crm.org.models import (
    Employee,
    EmployeeStatus,
    Handover,
    OrgUnit,
    OrgUnitKind,
    Role,
    Team,
    User,
)
from crm.org.scope import subtree_unit_ids
from crm.org.security import recent_auth_required

manages_users = special_required("manage_users")


@login_required
def unit_list(request):
    """The organisation tree with the active employees of each unit and of its branch."""
    units = list(OrgUnit.objects.visible_to(request.user))
    direct = dict(
        Employee.objects.visible_to(request.user)
        .filter(status=EmployeeStatus.ACTIVE)
        .order_by()
        .values("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    rows = tree_order(units)
    totals: dict[int, int] = {}
    for unit, _depth in rows:
        for ancestor in filter(None, unit.path.strip("/").split("/")):
            key = int(ancestor)
            totals[key] = totals.get(key, 0) + direct.get(unit.pk, 0)
    tree = [
        {
            "unit": u,
            "depth": d,
            "indent": d * 1.5,
            "direct": direct.get(u.pk, 0),
            "total": totals.get(u.pk, direct.get(u.pk, 0)),
        }
        for u, d in rows
    ]
    return render(
        request,
        "org/orgunit_list.html",
        {
            "tree": tree,
            "can_edit": access.has_special(request.user, "manage_users"),
        },
    )


def _unit_form(request, unit, initial=None):
    return form_page(
        request,
        OrgUnitForm(posted(request), instance=unit, user=request.user, initial=initial),
        lambda form: services.save_org_unit(
            form.instance, actor=request.user, expected_version=expected_version(form)
        ),
        template="org/orgunit_form.html",
        context={"unit": unit if unit.pk else None},
        message=lambda obj: _("Unit “%(name)s” saved.") % {"name": obj.name},
        next_url=reverse("org:unit_list"),
    )


@manages_users
def unit_create(request):
    wanted = request.GET.get("parent")
    parent = (
        get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=record_id(wanted, "parent"))
        if wanted
        else None
    )
    initial = {"parent": parent, "sort_order": services.next_sort_order(parent)}
    if parent is None:
        initial["kind"] = OrgUnitKind.GROUP
    elif parent.kind == OrgUnitKind.GROUP:
        initial["kind"] = OrgUnitKind.COMPANY
    else:
        initial["kind"] = OrgUnitKind.DEPARTMENT
    return _unit_form(request, OrgUnit(), initial)


@manages_users
def unit_edit(request, pk):
    return _unit_form(request, get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk))


@login_required
def employee_list(request):
    """Employees, filtered by department (with its sub-units), status and a name search."""
    filters = EmployeeFilterForm(request.GET or None, user=request.user)
    employees = (
        Employee.objects.visible_to(request.user)
        .select_related("department", "superior", "user")
        .order_by("name", "pk")
    )
    if filters.is_valid():
        data = filters.cleaned_data
        if data["department"] is not None:
            employees = employees.filter(department_id__in=subtree_unit_ids(data["department"]))
        if data["status"]:
            employees = employees.filter(status=data["status"])
        if q := data["q"].strip():
            employees = employees.filter(
                Q(name__icontains=q)
                | Q(post__icontains=q)
                | Q(phone__icontains=q)
                | Q(email__icontains=q)
                | Q(code__icontains=q)
            )
    return render(
        request,
        "org/employee_list.html",
        {
            "filters": filters,
            "page": paginate(request, employees),
            "can_edit": access.has_special(request.user, "manage_users"),
            "query": _query_without_page(request),
        },
    )


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _employee_form(request, employee, initial=None):
    return form_page(
        request,
        EmployeeForm(posted(request), instance=employee, user=request.user, initial=initial),
        lambda form: services.save_employee(
            form.instance, actor=request.user, expected_version=expected_version(form)
        ),
        template="org/employee_form.html",
        context={"employee": employee if employee.pk else None},
        message=lambda obj: _("Employee “%(name)s” saved.") % {"name": obj.name},
        next_url=reverse("org:employee_list"),
    )


@manages_users
def employee_create(request):
    return _employee_form(request, Employee(), {"department": request.GET.get("department")})


@manages_users
def employee_edit(request, pk):
    employee = get_object_or_404(Employee.objects.visible_to(request.user), pk=pk)
    return _employee_form(request, employee)


@login_required
def team_list(request):
    teams = (
        Team.objects.visible_to(request.user)
        .select_related("leader")
        .annotate(member_count=Count("members"))
        .order_by("name", "pk")
    )
    return render(
        request,
        "org/team_list.html",
        {
            "page": paginate(request, teams),
            "can_edit": access.has_special(request.user, "manage_users"),
        },
    )


def _team_form(request, team):
    return form_page(
        request,
        TeamForm(posted(request), instance=team, user=request.user),
        lambda form: services.save_team(
            form.instance,
            actor=request.user,
            members=form.cleaned_data["members"],
            expected_version=expected_version(form),
        ),
        template="org/team_form.html",
        context={"team": team if team.pk else None},
        message=lambda obj: _("Team “%(name)s” saved.") % {"name": obj.name},
        next_url=reverse("org:team_list"),
    )


@manages_users
def team_create(request):
    return _team_form(request, Team())


@manages_users
def team_edit(request, pk):
    return _team_form(request, get_object_or_404(Team.objects.visible_to(request.user), pk=pk))


@manages_users
def user_list(request):
    users = User.objects.select_related("employee").order_by("username")
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(full_name__icontains=q) | Q(email__icontains=q)
        )
    return render(
        request,
        "org/user_list.html",
        {
            "page": paginate(request, users),
            "q": q,
        },
    )


def _user_form(request, user):
    def save(form):
        try:
            services.save_user(
                form.instance,
                actor=request.user,
                password=form.cleaned_data["password1"] or None,
                roles=form.cleaned_data["roles"],
            )
        except DomainError as error:
            if "password" in error.fields:
                error.fields["password1"] = error.fields.pop("password")
            raise

    return form_page(
        request,
        UserForm(posted(request), instance=user),
        save,
        template="org/user_form.html",
        context={"account": user if user.pk else None},
        message=lambda obj: _("User “%(name)s” saved.") % {"name": obj.username},
        next_url=reverse("org:user_list"),
    )


@manages_users
@recent_auth_required(allow_get=True)
def user_create(request):
    return _user_form(request, User(language=request.user.language))


@manages_users
@recent_auth_required(allow_get=True)
def user_edit(request, pk):
    return _user_form(request, get_object_or_404(User, pk=pk))


@manages_users
def role_list(request):
    roles = Role.objects.visible_to(request.user).annotate(user_count=Count("users"))
    return render(request, "org/role_list.html", {"roles": roles.order_by("-is_system", "code")})


def _registered_types() -> list[tuple[str, str]]:
    return [(t.key, t.label_plural) for t in registry.all_types()]


def _role_form(request, role):
    form = RoleForm(posted(request), instance=role, types=_registered_types())

    def save(form):
        form.instance.specials = form.cleaned_data["specials"]
        services.save_role(
            form.instance,
            actor=request.user,
            permissions=form.grants(),
            expected_version=expected_version(form),
        )

    return form_page(
        request,
        form,
        save,
        template="org/role_form.html",
        context={"role": role if role.pk else None},
        message=lambda obj: _("Role “%(name)s” saved.") % {"name": obj},
        next_url=reverse("org:role_list"),
    )


@manages_users
@recent_auth_required(allow_get=True)
def role_create(request):
    return _role_form(request, Role())


@manages_users
@recent_auth_required(allow_get=True)
def role_edit(request, pk):
    return _role_form(request, get_object_or_404(Role.objects.visible_to(request.user), pk=pk))


@manages_users
def handover_list(request):
    handovers = Handover.objects.select_related("from_user", "created_by").prefetch_related(
        "to_users"
    )
    return render(request, "org/handover_list.html", {"page": paginate(request, handovers)})


@manages_users
def handover_create(request):
    """Choose the employee, the receivers and the kinds of record; preview the counts."""
    form = HandoverForm(posted(request) or request.GET or None, types=transferable_types())
    counts = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        counts = [
            (registry.get(key).label_plural, n)
            for key, n in preview(data["from_user"], data["type_keys"], actor=request.user).items()
        ]
        if request.method == "POST":
            try:
                handover = start_handover(
                    data["from_user"],
                    list(data["to_users"]),
                    data["type_keys"],
                    actor=request.user,
                )
            except DomainError as error:
                show_domain_error(form, error)
            else:
                return redirect("org:handover_detail", pk=handover.pk)
    return render(request, "org/handover_form.html", {"form": form, "counts": counts})


@manages_users
def handover_detail(request, pk):
    """A handover with its progress (the page polls while it runs)."""
    handover = get_object_or_404(Handover.objects.select_related("from_user", "created_by"), pk=pk)
    template = "org/handover_detail.html#progress" if request.htmx else "org/handover_detail.html"
    return render(request, template, {"handover": handover})
