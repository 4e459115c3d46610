"""Users, the organisation tree, employees, teams and API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core import registry
from crm.core.models import TrackedModel


class User(AbstractUser):
    """Someone who signs in; their work identity is the linked Employee."""

    full_name = models.CharField(_("name"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    roles = models.ManyToManyField(
        "org.Role", blank=True, related_name="users", verbose_name=_("roles")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def __str__(self) -> str:
        return self.get_full_name()


class OrgUnitKind(models.TextChoices):
    GROUP = "group", _("Group")
    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Department")


class OrgUnit(TrackedModel):
    """A node of the organisation tree: group (集团), company (公司) or department (部门)."""

    manage_permission = "manage_users"

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    # Ids from the root down, "/1/4/9/": a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    head = models.ForeignKey(
        "org.Employee",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head"),
        help_text=_("Approves what the process sends to the department's head (部门负责人)."),
    )

    # The path follows from the parent, which the change log already records.
    untracked_fields = (*TrackedModel.untracked_fields, "path")

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path", "sort_order"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class EmployeeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left")


class Employee(TrackedModel):
    """A person of the company (员工): department, post (岗位), superior (上级)."""

    manage_permission = "manage_users"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("employee number"), max_length=40, blank=True)
    department = models.ForeignKey(
        OrgUnit, models.PROTECT, related_name="employees", verbose_name=_("department")
    )
    post = models.CharField(_("post"), max_length=100, blank=True)
    superior = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="subordinates",
        verbose_name=_("superior"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(TrackedModel):
    """A group of employees working together (团队), across departments if need be."""

    manage_permission = "manage_users"

    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        Employee,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leader"),
    )
    members = models.ManyToManyField(
        Employee, blank=True, related_name="teams", verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(_("read only"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class DataScope(models.TextChoices):
    """Whose records a role reaches (业务数据隔离), narrowest first."""

    NONE = "none", _("None")
    OWN = "own", _("Own")
    SUBORDINATES = "subordinates", _("Own and subordinates")
    DEPARTMENT = "department", _("Department")
    DEPARTMENT_TREE = "department_tree", _("Department and sub-departments")
    COMPANY = "company", _("Company")
    ALL = "all", _("All")


class Action(models.TextChoices):
    """Function permissions (功能授权) a role grants on an object type."""

    VIEW = "view", _("View")
    CREATE = "create", _("Create")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    TRANSFER = "transfer", _("Assign and transfer")
    APPROVE = "approve", _("Approve")


def action_choices(type_key: str = "*") -> list[tuple[str, Any]]:
    """The function permissions a role may grant on a type: the common ones, then those its
    transitions, buttons, panels and extra views need (convert, claim …); for "*", those of
    every registered type."""
    choices = list(Action.choices)
    for object_type in registry.all_types():
        if type_key in ("*", object_type.key):
            known = {value for value, _label in choices}
            own = object_type.own_actions.items()
            choices += [(a, label) for a, label in own if a not in known]
    return choices


class Special(models.TextChoices):
    """Special permissions (特殊授权) beyond one object type."""

    UNMASK = "unmask", _("See unmasked phone and ID numbers")
    MANAGE_USERS = "manage_users", _("Manage the organisation, users and roles")
    MANAGE_SETTINGS = "manage_settings", _("Manage dictionaries, custom fields and numbering")
    VIEW_LOGS = "view_logs", _("View all logs")
    RESTORE = "restore", _("Restore others' records from the recycle bin")


class Role(TrackedModel):
    """A set of permissions (角色); a user may hold several and they add up."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    specials = models.JSONField(_("special permissions"), default=list, blank=True)
    is_system = models.BooleanField(_("preset"), default=False, editable=False)

    manage_permission = "manage_users"

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh


class RolePermission(TrackedModel):
    """What a role may do with one object type, and whose records it reaches."""

    role = models.ForeignKey(Role, models.CASCADE, related_name="permissions")
    type_key = models.CharField(_("object type"), max_length=40)
    actions = models.JSONField(_("permissions"), default=list, blank=True)
    view_scope = models.CharField(
        _("view scope"), max_length=16, choices=DataScope.choices, default=DataScope.OWN
    )
    edit_scope = models.CharField(
        _("edit scope"), max_length=16, choices=DataScope.choices, default=DataScope.OWN
    )

    manage_permission = "manage_users"

    class Meta:
        verbose_name = _("role permission")
        verbose_name_plural = _("role permissions")
        constraints = [
            models.UniqueConstraint(fields=["role", "type_key"], name="role_permission_type")
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.type_key}"


# --------------------------------------------------------------------------- account security


class LoginResult(models.TextChoices):
    """What became of a sign-in attempt (or how a session ended)."""

    SUCCESS = "success", _("Signed in")
    FAILURE = "failure", _("Wrong user name or password")
    MFA_FAILURE = "mfa_failure", _("Wrong two-factor code")
    LOCKED = "locked", _("Refused: too many failures")
    INACTIVE = "inactive", _("Refused: account disabled")
    LOGOUT = "logout", _("Signed out")
    EXPIRED = "expired", _("Session expired")


class LoginEvent(models.Model):
    """One line of the login log (登录日志): a sign-in attempt, a sign-out or an expiry."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    username = models.CharField(_("user name"), max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    result = models.CharField(_("result"), max_length=12, choices=LoginResult.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("login event")
        verbose_name_plural = _("login log")
        indexes = [
            models.Index(fields=["username", "time"]),
            models.Index(fields=["ip", "time"]),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.get_result_display()}"


class LockoutKind(models.TextChoices):
    ACCOUNT = "account", _("User name")
    IP = "ip", _("IP address")


class LoginLockout(models.Model):
    """Sign-in refused for a user name or an IP address until a time, after repeated failures."""

    kind = models.CharField(_("locked"), max_length=8, choices=LockoutKind.choices)
    key = models.CharField(_("user name or IP address"), max_length=150)
    created_at = models.DateTimeField(_("locked at"), default=timezone.now, db_index=True)
    until = models.DateTimeField(_("locked until"))
    failures = models.PositiveIntegerField(_("failures"), default=0)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    class Meta:
        verbose_name = _("sign-in lockout")
        verbose_name_plural = _("sign-in lockouts")
        indexes = [models.Index(fields=["kind", "key", "until"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class UserSession(models.Model):
    """A signed-in browser session: device, address and last activity (for "my sessions"
    and the online users page). Refreshed by the session middleware at most once a minute."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="browser_sessions",
        verbose_name=_("user"),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.user} {self.ip or ''}"


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Handover(models.Model):
    """An employee's records handed to others (员工异动交接): what, to whom, how far along.

    Each record's change of owner is in the change log; this row is the handover log."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("to")
    )
    type_keys = models.JSONField(_("object types"), default=list)
    status = models.CharField(
        _("status"), max_length=8, choices=HandoverStatus.choices, default=HandoverStatus.PENDING
    )
    total = models.PositiveIntegerField(_("records"), default=0)
    done = models.PositiveIntegerField(_("handed over"), default=0)
    failed = models.PositiveIntegerField(_("refused"), default=0)
    message = models.CharField(_("message"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * (self.done + self.failed) / self.total)
