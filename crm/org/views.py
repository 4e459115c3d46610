"""Pages of the organisation: the unit tree, employees, teams and user accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from crm.core import access
from crm.core.errors import DomainError
from crm.customization.ui import admin_required, paginate, show_error
from crm.org import services
from crm.org.forms import (
    EmployeeFilterForm,
    EmployeeForm,
    OrgUnitForm,
    TeamForm,
    UserForm,
    tree_order,
)
from crm.org.models import Employee, EmployeeStatus, OrgUnit, OrgUnitKind, Team, User
from crm.org.scope import subtree_unit_ids


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
            "can_edit": access.is_admin(request.user),
        },
    )


def _unit_form_page(request, unit, form):
    return render(request, "org/orgunit_form.html", {"form": form, "unit": unit})


@admin_required
def unit_create(request):
    unit = OrgUnit()
    if request.method == "POST":
        form = OrgUnitForm(request.POST, instance=unit, user=request.user)
        if form.is_valid():
            try:
                services.save_org_unit(form.instance, actor=request.user)
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
                return redirect("org:unit_list")
    else:
        parent = (
            OrgUnit.objects.visible_to(request.user)
            .filter(pk=request.GET.get("parent") or 0)
            .first()
        )
        initial = {"parent": parent, "sort_order": services.next_sort_order(parent)}
        if parent is None:
            initial["kind"] = OrgUnitKind.GROUP
        elif parent.kind == OrgUnitKind.GROUP:
            initial["kind"] = OrgUnitKind.COMPANY
        else:
            initial["kind"] = OrgUnitKind.DEPARTMENT
        form = OrgUnitForm(instance=unit, user=request.user, initial=initial)
    return _unit_form_page(request, None, form)


@admin_required
def unit_edit(request, pk):
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        form = OrgUnitForm(request.POST, instance=unit, user=request.user)
        if form.is_valid():
            try:
                services.save_org_unit(
                    form.instance, actor=request.user, expected_version=form.cleaned_data["version"]
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Unit “%(name)s” saved.") % {"name": unit.name})
                return redirect("org:unit_list")
    else:
        form = OrgUnitForm(instance=unit, user=request.user)
    return _unit_form_page(request, unit, form)


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
            "can_edit": access.is_admin(request.user),
            "query": _query_without_page(request),
        },
    )


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _employee_form_page(request, employee, form):
    return render(request, "org/employee_form.html", {"form": form, "employee": employee})


@admin_required
def employee_create(request):
    employee = Employee()
    if request.method == "POST":
        form = EmployeeForm(request.POST, instance=employee, user=request.user)
        if form.is_valid():
            try:
                services.save_employee(form.instance, actor=request.user)
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(
                    request, _("Employee “%(name)s” created.") % {"name": employee.name}
                )
                return redirect("org:employee_list")
    else:
        form = EmployeeForm(
            instance=employee,
            user=request.user,
            initial={"department": request.GET.get("department")},
        )
    return _employee_form_page(request, None, form)


@admin_required
def employee_edit(request, pk):
    employee = get_object_or_404(Employee.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        form = EmployeeForm(request.POST, instance=employee, user=request.user)
        if form.is_valid():
            try:
                services.save_employee(
                    form.instance, actor=request.user, expected_version=form.cleaned_data["version"]
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Employee “%(name)s” saved.") % {"name": employee.name})
                return redirect("org:employee_list")
    else:
        form = EmployeeForm(instance=employee, user=request.user)
    return _employee_form_page(request, employee, form)


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
            "can_edit": access.is_admin(request.user),
        },
    )


def _team_form(request, team):
    if request.method == "POST":
        form = TeamForm(request.POST, instance=team, user=request.user)
        if form.is_valid():
            try:
                services.save_team(
                    form.instance,
                    actor=request.user,
                    members=form.cleaned_data["members"],
                    expected_version=form.cleaned_data["version"] if team.pk else None,
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Team “%(name)s” saved.") % {"name": team.name})
                return redirect("org:team_list")
    else:
        form = TeamForm(instance=team, user=request.user)
    return render(
        request,
        "org/team_form.html",
        {
            "form": form,
            "team": team if team.pk else None,
        },
    )


@admin_required
def team_create(request):
    return _team_form(request, Team())


@admin_required
def team_edit(request, pk):
    return _team_form(request, get_object_or_404(Team.objects.visible_to(request.user), pk=pk))


@admin_required
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
    if request.method == "POST":
        form = UserForm(request.POST, instance=user)
        if form.is_valid():
            try:
                services.save_user(
                    form.instance,
                    actor=request.user,
                    password=form.cleaned_data["password1"] or None,
                )
            except DomainError as exc:
                if "password" in exc.fields:
                    exc.fields["password1"] = exc.fields.pop("password")
                show_error(form, exc)
            else:
                messages.success(request, _("User “%(name)s” saved.") % {"name": user.username})
                return redirect("org:user_list")
    else:
        form = UserForm(instance=user)
    return render(
        request,
        "org/user_form.html",
        {
            "form": form,
            "account": user if user.pk else None,
        },
    )


@admin_required
def user_create(request):
    return _user_form(request, User(language=request.user.language))


@admin_required
def user_edit(request, pk):
    return _user_form(request, get_object_or_404(User, pk=pk))
