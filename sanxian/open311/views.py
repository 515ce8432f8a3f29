"""Open311 GeoReport v2 for appeals, under /open311/v2/ (https://wiki.open311.org/GeoReport_v2).

- ``GET services.{json|xml}``: the appeal categories (service_code = category id).
- ``GET services/{code}.{fmt}``: a category's definition (no extra attributes).
- ``POST requests.{fmt}``: file an appeal (``api_key`` = a personal API token of the
  resident; ``address_id`` = one of the places they may file about, as in
  GET /api/appeals/places; ``description``; ``phone``). With a staff member's key (a
  hotline's ticket system) it is filed on behalf of the resident named by ``account_id``
  (the resident's id) or found by ``phone`` among the residents in the key's scope.
- ``GET requests.{fmt}``: the appeals the key's owner may see (``service_request_id``,
  ``service_code``, ``start_date``, ``end_date``, ``status``; 90 days and 1,000 requests at
  most, as the spec suggests).
- ``GET requests/{id}.{fmt}``: one appeal.

Filing goes through the same service, rules, deadlines and limits as the phone page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sanxian import personal_data
from sanxian.accounts.models import User
from sanxian.accounts.scope import get_scope
from sanxian.api.services import authenticate
from sanxian.appeals import selectors as appeal_selectors
from sanxian.appeals import services as appeal_services
from sanxian.appeals.limits import filing_wait
from sanxian.appeals.models import OPEN_STATES, Appeal, AppealCategory
from sanxian.open311 import formats
from sanxian.open311.selectors import addresses, visible_appeals
from sanxian.places.errors import DomainError
from sanxian.places.models import Resident

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


class Refused(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _fmt(fmt: str) -> str:
    if fmt not in formats.FORMATS:
        raise Http404
    return fmt


def _params(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else request.GET


def _check_jurisdiction(request: HttpRequest) -> None:
    given = _params(request).get("jurisdiction_id", "")
    if given and given != settings.SANXIAN_OPEN311_JURISDICTION:
        raise Refused(404, _("Unknown jurisdiction_id."))


def _user(request: HttpRequest) -> User:
    """The owner of the request's API key (``api_key`` or ``Authorization: Bearer``)."""
    key = _params(request).get("api_key", "")
    header = request.headers.get("Authorization", "")
    if not key and header.startswith("Bearer "):
        key = header.removeprefix("Bearer ").strip()
    if not key:
        raise Refused(403, _("An api_key is required."))
    user = authenticate(key)
    if user is None:
        raise Refused(403, _("The api_key is not valid."))
    request.user = user
    return user


def _answer(request: HttpRequest, fmt: str, build: Any) -> HttpResponse:
    fmt = _fmt(fmt)
    try:
        _check_jurisdiction(request)
        return build(fmt)
    except Refused as refused:
        return formats.error(fmt, refused.status, refused.description)


def _service(category: AppealCategory) -> dict[str, Any]:
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": _("Contact within %(hours)s hours; resolved within %(days)s working days.")
        % {"hours": category.response_hours, "days": category.resolution_working_days},
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


def _category(code: str) -> AppealCategory:
    category = (
        appeal_selectors.active_categories().filter(pk=int(code)).first()
        if code.isdigit()
        else None
    )
    if category is None:
        raise Refused(404, _("Unknown service_code."))
    return category


@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    def build(fmt: str) -> HttpResponse:
        items = [_service(c) for c in appeal_selectors.active_categories()]
        return formats.render(fmt, "services", items)

    return _answer(request, fmt, build)


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    def build(fmt: str) -> HttpResponse:
        category = _category(code)
        body = {"service_code": str(category.pk), "attributes": []}
        return formats.render(fmt, "service_definition", body)

    return _answer(request, fmt, build)


def _request_item(appeal: Appeal, address: str) -> dict[str, Any]:
    return {
        "service_request_id": str(appeal.pk),
        "status": "open" if appeal.state in OPEN_STATES else "closed",
        "status_notes": appeal.outcome_note,
        "service_name": appeal.category.name,
        "service_code": str(appeal.category_id),
        "description": appeal.text,
        "agency_responsible": "",
        "service_notice": "",
        "requested_datetime": appeal.created_at,
        "updated_datetime": appeal.state_changed_at,
        "expected_datetime": appeal.resolution_due_at,
        "address": address,
        "address_id": str(appeal.place_id),
        "zipcode": "",
        "lat": "",
        "long": "",
        "media_url": "",
    }


def _items(appeals: list[Appeal]) -> list[dict[str, Any]]:
    where = addresses(a.path for a in appeals)
    return [_request_item(a, where[a.path]) for a in appeals]


def _date(request: HttpRequest, name: str) -> Any:
    value = request.GET.get(name, "")
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Refused(400, _("%(name)s is not a W3C date-time.") % {"name": name})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _user(request)
    qs = visible_appeals(user).select_related("category")
    ids = request.GET.get("service_request_id", "")
    if ids:
        wanted = [part.strip() for part in ids.split(",") if part.strip()]
        if not all(part.isdigit() for part in wanted):
            raise Refused(400, _("service_request_id must be numbers separated by commas."))
        qs = qs.filter(pk__in=[int(part) for part in wanted])
    else:
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if start is None and end is None:
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        codes = request.GET.get("service_code", "")
        if codes:
            wanted = [part.strip() for part in codes.split(",") if part.strip()]
            if not all(part.isdigit() for part in wanted):
                raise Refused(400, _("service_code must be numbers separated by commas."))
            qs = qs.filter(category_id__in=[int(part) for part in wanted])
        status = {part.strip() for part in request.GET.get("status", "").split(",") if part}
        if status - {"open", "closed"}:
            raise Refused(400, _("status is open or closed."))
        if status == {"open"}:
            qs = qs.filter(state__in=OPEN_STATES)
        elif status == {"closed"}:
            qs = qs.exclude(state__in=OPEN_STATES)
    appeals = list(qs.order_by("-id")[:MAX_REQUESTS])
    return formats.render(fmt, "service_requests", _items(appeals))


def _requester(user: User, params: Any) -> tuple[Resident, bool]:
    """Who the appeal is for. A resident's key files for themself. A staff key (a hotline's
    ticket system, a service desk) files on behalf of a resident in its scope, named by
    ``account_id`` (the resident's id) or found by the caller's ``phone``; a staff member
    who is a resident here and gives no ``account_id`` files for themself."""
    account_id = params.get("account_id", "")
    own = not get_scope(user).is_staff or (not account_id and user.resident_id is not None)
    if own:
        resident = Resident.objects.filter(pk=user.resident_id or 0).first()
        if resident is None:
            raise Refused(403, _("Only a resident can file an appeal for themself."))
        return resident, False
    if account_id:
        if not account_id.isdigit():
            raise Refused(400, _("account_id is the id of a resident in your area."))
        try:
            return appeal_selectors.resident_to_file_for(user, int(account_id)), True
        except Http404:
            raise Refused(404, _("No resident with this account_id in your area.")) from None
    try:
        phone = personal_data.normalise_phone(params.get("phone", ""))
    except ValidationError as exc:
        raise Refused(400, str(exc.messages[0])) from exc
    if not phone:
        raise Refused(
            400,
            _("Filing for a resident needs account_id (the resident's id) or the caller's phone."),
        )
    found = appeal_selectors.residents_by_phone(user, phone)
    if len(found) != 1:
        raise Refused(
            400,
            _("No resident in your area has this phone number; give account_id instead.")
            if not found
            else _("Several residents in your area have this phone number; give account_id."),
        )
    return found[0], True


def _file(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _user(request)
    params = request.POST
    category = _category(params.get("service_code", ""))
    resident, on_behalf = _requester(user, params)
    address_id = params.get("address_id", "")
    if not address_id:
        # lat/long or address_string alone cannot be placed in the register.
        raise Refused(
            400, _("address_id is required: one of the places the resident may file about.")
        )
    places = appeal_selectors.resident_places(resident)
    place = next((p for p in places if str(p.pk) == address_id), None)
    if place is None:
        raise Refused(400, _("Please choose one of the places offered."))
    wait = filing_wait(request, on_behalf=on_behalf)
    if wait is not None:
        raise Refused(
            429,
            _(
                "Many appeals have been sent from here in a short time. Please send this "
                "one again in %(minutes)d minutes."
            )
            % {"minutes": wait},
        )
    try:
        appeal = appeal_services.file_appeal(
            category=category,
            text=params.get("description", ""),
            place=place,
            resident=resident,
            filed_by=user,
            contact_phone=params.get("phone", ""),
            on_behalf=on_behalf,
            on_behalf_note=_("Filed through Open311") if on_behalf else "",
        )
    except DomainError as exc:
        raise Refused(400, str(exc.message)) from exc
    notice = _("We will contact you by %(due)s.") % {
        "due": date_format(timezone.localtime(appeal.response_due_at), "SHORT_DATETIME_FORMAT")
    }
    body = [{"service_request_id": str(appeal.pk), "service_notice": notice, "account_id": None}]
    return formats.render(fmt, "service_requests", body, status=201)


@csrf_exempt  # a key in the request, no session: nothing a browser could be led to send
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _answer(request, fmt, lambda fmt: _file(request, fmt))
    return _answer(request, fmt, lambda fmt: _list(request, fmt))


@require_GET
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    def build(fmt: str) -> HttpResponse:
        user = _user(request)
        appeal = (
            visible_appeals(user).select_related("category").filter(pk=int(request_id)).first()
            if request_id.isdigit()
            else None
        )
        if appeal is None:
            raise Refused(404, _("No such service request."))
        return formats.render(fmt, "service_requests", _items([appeal]))

    return _answer(request, fmt, build)
