"""The generic REST API: authentication, error bodies, and a CRUD router per registered type.

Lists read `values()` rows and serialize them with a pydantic TypeAdapter straight to JSON
bytes; pages are keyset pages (`?cursor=`). Updates must carry the version they read (in
the body or `If-Match`); a stale one answers 409.
"""

import datetime
import json
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie
from pydantic import BaseModel, Field, TypeAdapter, create_model
from typing_extensions import TypedDict

from crm.core import access, lists, masking, paging, services
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.models import Record, TrackedModel
from crm.core.registry import ObjectType

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_LIMIT = 200


class SessionAuth(APIKeyCookie):
    """The browser's session cookie, with Django's CSRF check on writes."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session there is nobody to forge a request for: 401, not a CSRF 403.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", AnonymousUser())
        return user if user.is_authenticated and user.is_active else None


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error leaves the API as {code, message, fields} with a fitting status."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(
            request, error_body(exc.code, exc.message, exc.fields), status=exc.status
        )

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "payload")]
            fields.setdefault(".".join(loc) or "__all__", []).append(error.get("msg", ""))
        return api.create_response(
            request, error_body("invalid", _("The request is not valid."), fields), status=422
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc):
        return api.create_response(
            request, error_body("unauthorized", _("Sign in or send a valid API token.")), status=401
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}
        code = codes.get(exc.status_code, "error")
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


class RecordOut(BaseModel):
    """What every record carries in the API (DESIGN's public contract)."""

    id: int
    number: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    owner: int
    custom_fields: dict[str, Any]


class ErrorOut(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]]


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation documents, each as {code, message, fields}."""
    return dict.fromkeys(statuses, ErrorOut)


def _out_fields(schema: type[BaseModel]) -> list[str]:
    return [("custom_field_data" if n == "custom_fields" else n) for n in schema.model_fields]


def _rename(row: dict) -> dict:
    if "custom_field_data" in row:
        row["custom_fields"] = row.pop("custom_field_data")
    return row


def _apply(obj: Record, data: dict, user, masked=()) -> None:
    """Copy payload values onto `obj`; foreign keys resolve only to rows the user sees, and
    a masked number sent back unchanged keeps the stored one (`masked`: masking.on_pages)."""
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name in masked and masking.is_masked_echo(value, getattr(obj, name)):
            continue
        if name == "custom_fields":
            merged = dict(obj.custom_field_data or {})
            merged.update(masking.without_echoes(value or {}, merged, masked))
            obj.custom_field_data = merged
            continue
        field = obj._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            if value is None or value == getattr(obj, field.attname):
                # What was read is sent back as it is, even a choice deactivated since.
                setattr(obj, field.attname, value)
                continue
            # A foreign key a user may set points at rows read through the access rules.
            related = cast("type[TrackedModel]", field.related_model)
            target = related.objects.visible_to(user).complex_filter(field.get_limit_choices_to())
            try:
                setattr(obj, name, target.get(pk=value))
            except (ObjectDoesNotExist, ValueError, TypeError):
                errors[name] = [_("Choose an existing record you may see.")]
            continue
        setattr(obj, name, "" if value is None and not field.null else value)
    if errors:
        raise ValidationFailed(errors)


def _version(request: HttpRequest, payload_version: int | None) -> int:
    header = request.headers.get("If-Match", "").strip('W/"')
    if payload_version is not None:
        return payload_version
    if header.isdigit():
        return int(header)
    raise ValidationFailed(
        {"version": [_("Send the version you read, in the body or in If-Match.")]}
    )


def _refuse_state(request: HttpRequest, object_type: ObjectType, current: str) -> None:
    """A status sent with a create or an update is refused unless it is the record's
    `current` one (what was read, sent back): it moves only through the type's
    transitions (`POST …/{id}/transitions/{name}/`)."""
    machine = object_type.state_machine
    assert machine is not None  # called only for types with a state machine
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return  # the payload was read already; what it could not read was answered then
    if isinstance(body, dict) and body.get(machine.field, current) != current:
        message = _("The status changes only through its actions.")
        raise ValidationFailed({machine.field: [message]}, message)


def _transition_schema(object_type: ObjectType) -> type[BaseModel]:
    """The body of a transition: the fields some transition takes (each optional), and the
    version the client read."""
    machine = object_type.state_machine
    assert machine is not None  # called only for types with a state machine
    fields: dict[str, Any] = {"version": (int | None, None)}
    for name in machine.data_fields:
        # A transition takes the model's own text fields, never a relation's reverse side.
        field = cast("models.Field", object_type.model._meta.get_field(name))
        fields[name] = (str | None, Field(None, max_length=field.max_length))
    return create_model(f"{object_type.model.__name__}TransitionIn", **fields)


def _row_serializer(schema_out: type[BaseModel]) -> TypeAdapter:
    """Serializes a page of `values()` rows straight to JSON in the shape of `schema_out`:
    the rows come from the database typed already, so they are not validated again
    (measured: 5.7 µs a row with validation, 2.4 µs without)."""
    fields = {name: f.annotation for name, f in schema_out.model_fields.items()}
    row = TypedDict(f"{schema_out.__name__}Row", fields)  # type: ignore[misc]
    page = TypedDict(  # type: ignore[misc]  # noqa: UP013
        f"{schema_out.__name__}Rows", {"items": list[row], "next_cursor": str | None}
    )
    return TypeAdapter(page)


def router_for(object_type: ObjectType) -> Router:
    """list, retrieve, create, update, delete and restore for one type."""
    model = object_type.model
    schema_in, schema_patch, schema_out = (
        object_type.schema_in,
        object_type.schema_patch,
        object_type.schema_out,
    )
    fields = _out_fields(schema_out)
    router = Router(tags=[object_type.label_plural])

    def one(user, pk: int, *, deleted: bool = False) -> dict:
        manager = model.all_objects if deleted else model.objects
        qs = manager.visible_to(user).filter(pk=pk)
        if deleted:
            qs = qs.filter(deleted_at__isnull=False)
        row = qs.values(*fields).first()
        if row is None:
            raise Http404
        return _rename(masking.mask_row(row, masking.for_data(object_type, user)))

    page_out = create_model(
        f"{schema_out.__name__}Page",
        items=(list[schema_out], ...),  # type: ignore[valid-type]
        next_cursor=(str | None, ...),
    )
    page_adapter = _row_serializer(schema_out)
    name = object_type.slug.replace("-", "_")

    @router.get(
        "/",
        response={200: page_out, **errors(400, 401, 403, 422)},
        summary=f"List {object_type.slug}",
        operation_id=f"list_{name}",
    )
    def list_items(
        request, q: str = "", ordering: str = "", limit: int = 50, cursor: str | None = None
    ):
        """Quick search `q`, field filters by name, `ordering`, `limit` (≤ 200), `cursor`."""
        qs, query = lists.build(object_type, request.user, request.GET)
        if query.filterset.errors:
            raise ValidationFailed({k: list(v) for k, v in query.filterset.errors.items()})
        page = paging.paginate(
            qs,
            query.ordering,
            fields=fields,
            limit=max(1, min(limit, MAX_LIMIT)),
            cursor=cursor,
            parts=query.parts,
        )
        hidden = masking.for_data(object_type, request.user)
        items = [_rename(masking.mask_row(r, hidden)) for r in page.rows]
        body = page_adapter.dump_json({"items": items, "next_cursor": page.next_cursor})
        return HttpResponse(body, content_type="application/json")

    @router.get(
        "/{int:pk}/",
        response={200: schema_out, **errors(401, 403, 404)},
        operation_id=f"get_{name}",
    )
    def retrieve(request, pk: int):
        return one(request.user, pk)

    @router.post(
        "/",
        response={201: schema_out, **errors(400, 401, 403, 409, 422)},
        operation_id=f"create_{name}",
    )
    def create(request, payload: schema_in):  # type: ignore[valid-type]
        if not access.can_create(request.user, model):
            raise AccessDenied(_("You may not create %(type)s.") % {"type": object_type.slug})
        obj = model()
        if object_type.state_machine:
            _refuse_state(request, object_type, object_type.state_machine.initial)
        # The payload's schema is built at run time: to the type checker it is a BaseModel.
        data = cast(BaseModel, payload).model_dump(exclude_unset=True)
        _apply(obj, data, request.user, object_type.masked)
        services.save(obj, actor=request.user)
        return Status(201, one(request.user, obj.pk))

    @router.patch(
        "/{int:pk}/",
        response={200: schema_out, **errors(400, 401, 403, 404, 409, 422)},
        operation_id=f"update_{name}",
    )
    def update(request, pk: int, payload: schema_patch):  # type: ignore[valid-type]
        obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        if object_type.state_machine:
            _refuse_state(request, object_type, getattr(obj, object_type.state_machine.field))
        data = cast(BaseModel, payload).model_dump(exclude_unset=True)
        expected = _version(request, data.pop("version", None))
        _apply(obj, data, request.user, masking.on_pages(object_type))
        services.save(obj, actor=request.user, expected_version=expected)
        return one(request.user, pk)

    @router.delete(
        "/{int:pk}/",
        response={204: None, **errors(401, 403, 404, 409)},
        operation_id=f"delete_{name}",
    )
    def delete(request, pk: int):
        obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        header = request.headers.get("If-Match", "").strip('W/"')
        services.delete(
            obj, actor=request.user, expected_version=int(header) if header.isdigit() else None
        )
        return Status(204, None)

    @router.post(
        "/{int:pk}/restore/",
        response={200: schema_out, **errors(401, 403, 404, 409)},
        operation_id=f"restore_{name}",
    )
    def restore(request, pk: int):
        obj = get_object_or_404(
            model.all_objects.visible_to(request.user).filter(deleted_at__isnull=False), pk=pk
        )
        services.restore(obj, actor=request.user)
        return one(request.user, pk)

    if object_type.state_machine:
        _add_transitions(router, object_type, one, schema_out, name)
    return router


def _add_transitions(router: Router, object_type: ObjectType, one, schema_out, name: str) -> None:
    """`POST /{id}/transitions/{name}/`: the record moved along a transition of its type."""
    machine = object_type.state_machine
    assert machine is not None  # called only for types with a state machine
    model = object_type.model
    schema = _transition_schema(object_type)

    @router.post(
        "/{int:pk}/transitions/{transition}/",
        response={200: schema_out, **errors(400, 401, 403, 404, 409, 422)},
        operation_id=f"transition_{name}",
        summary=f"Move one of the {object_type.slug} along a transition",
        description=(
            f"Transitions: {', '.join(t.name for t in machine.transitions)}. The body holds "
            "the fields the transition takes and the version read (or `If-Match`); a wrong "
            "state or a refusing rule answers 409 with its reason, a missing field 422."
        ),
    )
    def transition(request, pk: int, transition: str, payload: schema | None = None):  # type: ignore[valid-type]
        obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        if machine.transition(transition) is None:
            raise Http404
        data = cast(BaseModel, payload).model_dump(exclude_unset=True) if payload else {}
        version = data.pop("version", None)
        header = request.headers.get("If-Match", "").strip('W/"')
        if version is None and header.isdigit():
            version = int(header)
        services.transition(obj, transition, actor=request.user, expected_version=version, **data)
        return one(request.user, pk)
