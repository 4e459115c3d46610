"""Forms of the organisation pages: parsing and field checks only (rules live in services)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin, VersionField, style_widgets
from crm.org.models import (
    DataScope,
    Employee,
    EmployeeStatus,
    OrgUnit,
    Role,
    Special,
    Team,
    User,
    action_choices,
)


def unit_choices(user, *, exclude_subtree_of: OrgUnit | None = None):
    """Units for a select, depth-first with their depth, as (unit, depth) pairs."""
    units = list(OrgUnit.objects.visible_to(user).filter(is_active=True))
    if exclude_subtree_of is not None and exclude_subtree_of.path:
        units = [u for u in units if not u.path.startswith(exclude_subtree_of.path)]
    return tree_order(units)


def tree_order(units):
    """(unit, depth) pairs in depth-first order, siblings by order then name."""
    by_parent: dict[int | None, list[OrgUnit]] = {}
    ids = {u.pk for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        by_parent.setdefault(parent, []).append(unit)
    for children in by_parent.values():
        children.sort(key=lambda u: (u.sort_order, u.name, u.pk))
    ordered: list[tuple[OrgUnit, int]] = []

    def walk(parent, depth):
        for unit in by_parent.get(parent, []):
            ordered.append((unit, depth))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return ordered


class UnitChoiceField(forms.ModelChoiceField):
    """A unit select whose labels are indented by depth."""

    def __init__(self, pairs, **kwargs):
        self.depths = {u.pk: d for u, d in pairs}
        queryset = OrgUnit.objects.filter(pk__in=list(self.depths))
        super().__init__(queryset=queryset, **kwargs)
        self.choices = [("", "---------")] + [(u.pk, self.indented(u)) for u, _d in pairs]

    def indented(self, unit):
        return "\u3000" * self.depths.get(unit.pk, 0) + str(unit)


class OrgUnitForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = OrgUnit
        fields = ["name", "code", "kind", "parent", "head", "sort_order", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        heads = Employee.objects.filter(status=EmployeeStatus.ACTIVE).order_by("name")
        self.fields["head"].queryset = heads  # type: ignore[attr-defined]
        pairs = unit_choices(user, exclude_subtree_of=self.instance if editing else None)
        # Keep a current but inactive parent selectable.
        self.fields["parent"] = UnitChoiceField(
            pairs,
            required=False,
            label=_("parent unit"),
            help_text=_(
                "A group has no parent; a company belongs to a group or a company; "
                "a department to a company or a department."
            ),
        )
        self.fields["parent"].widget.attrs["class"] = "form-select"
        if editing:
            self.fields["version"].initial = self.instance.version


class EmployeeForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Employee
        fields = [
            "name",
            "code",
            "department",
            "post",
            "superior",
            "phone",
            "email",
            "status",
            "user",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"] = UnitChoiceField(unit_choices(user), label=_("department"))
        self.fields["department"].widget.attrs["class"] = "form-select"
        superiors = Employee.objects.visible_to(user).filter(status=EmployeeStatus.ACTIVE)
        if self.instance.pk:
            superiors = superiors.exclude(pk=self.instance.pk)
            self.fields["version"].initial = self.instance.version
        self.fields["superior"].queryset = superiors.order_by("name")
        self.fields["superior"].widget.attrs["class"] = "form-select tom-select"
        linked = Employee.objects.exclude(user=None)
        if self.instance.pk:
            linked = linked.exclude(pk=self.instance.pk)
        users = get_user_model().objects.exclude(pk__in=linked.values("user_id"))
        self.fields["user"].queryset = users.order_by("username")
        self.fields["user"].help_text = _("The account this employee signs in with.")


class TeamForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Team
        fields = ["name", "leader", "members"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        employees = Employee.objects.visible_to(user).select_related("department")
        self.fields["leader"].queryset = employees.order_by("name")
        self.fields["members"].queryset = employees.order_by("name")
        self.fields["members"].widget.attrs["class"] = "form-select tom-select"
        self.fields["members"].help_text = _("The leader is always a member.")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class EmployeeFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    department = forms.ModelChoiceField(
        OrgUnit.objects.none(), label=_("department"), required=False
    )
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("Any status")), *EmployeeStatus.choices],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = UnitChoiceField(unit_choices(user), label=_("department"), required=False)
        field.choices = [("", _("All departments")), *list(field.choices)[1:]]
        field.widget.attrs["class"] = "form-select"
        self.fields["department"] = field
        self.fields["q"].widget.attrs["placeholder"] = _("Name, post, phone or email")


class UserForm(StyledFormMixin, forms.ModelForm):
    password1 = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("password (again)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "email",
            "language",
            "is_active",
            "is_superuser",
            "roles",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["password1"].help_text = _("Leave empty to keep the current password.")
        else:
            self.fields["password1"].required = True
            self.fields["password2"].required = True
        self.fields["is_superuser"].label = _("administrator")
        self.fields["is_superuser"].help_text = _(
            "Administrators manage users and settings and see all records."
        )

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class RoleForm(StyledFormMixin, forms.ModelForm):
    """A role, its special permissions and its matrix: per object type the function
    permissions and the data scopes for viewing and for changing."""

    version = VersionField()
    specials = forms.MultipleChoiceField(
        label=_("special permissions"),
        choices=Special.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Role
        fields = ["code", "name_zh", "name_en", "description"]

    def __init__(self, *args, types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("specials", list(self.instance.specials or []))
        rows = {r.type_key: r for r in self.instance.permissions.all()} if self.instance.pk else {}
        self.matrix = []
        for key, label in [("*", _("Every type")), *types]:
            row = rows.get(key)
            if key != "*":
                self.fields[f"{key}__own"] = forms.BooleanField(
                    label=_("own settings"), required=False, initial=row is not None
                )
            self.fields[f"{key}__actions"] = forms.MultipleChoiceField(
                label=label,
                choices=action_choices(key),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=list(row.actions) if row else [],
            )
            for kind in ("view", "edit"):
                self.fields[f"{key}__{kind}_scope"] = forms.ChoiceField(
                    label=_("view scope") if kind == "view" else _("edit scope"),
                    choices=DataScope.choices,
                    initial=getattr(row, f"{kind}_scope") if row else DataScope.OWN,
                )
            self.matrix.append((key, label))
        style_widgets(self)

    def rows(self):
        """The matrix for the template: (label, own, actions, view scope, edit scope)."""
        return [
            (
                label,
                self[f"{key}__own"] if key != "*" else None,
                self[f"{key}__actions"],
                self[f"{key}__view_scope"],
                self[f"{key}__edit_scope"],
            )
            for key, label in self.matrix
        ]

    def grants(self) -> dict[str, dict | None]:
        """What the service writes: a grant per type key, None where the type follows "*"."""
        data = self.cleaned_data
        grants: dict[str, dict | None] = {}
        for key, _label in self.matrix:
            if key != "*" and not data.get(f"{key}__own"):
                grants[key] = None
                continue
            grants[key] = {
                "actions": data.get(f"{key}__actions", []),
                "view_scope": data[f"{key}__view_scope"],
                "edit_scope": data[f"{key}__edit_scope"],
            }
        return grants


class HandoverForm(StyledFormMixin, forms.Form):
    """Whose records go to whom, and which kinds."""

    from_user = forms.ModelChoiceField(
        label=_("employee handing over"), queryset=User.objects.order_by("username")
    )
    to_users = forms.ModelMultipleChoiceField(
        label=_("receivers"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        help_text=_("With several receivers the records are shared out in turn."),
    )
    type_keys = forms.MultipleChoiceField(
        label=_("what to hand over"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type_keys"].choices = [(t.key, t.label_plural) for t in types]
        self.fields["type_keys"].initial = [t.key for t in types]
