"""Meeting pages: the list (with my reminders), the detail page (agenda, invitees and
attendance, the QR code for staff, minutes, decisions, votes), the POST endpoints of staff
(each: check access, validate, call one service, redirect back with a message) and the
QR check-in page of residents."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxian.accounts.models import User
from sanxian.accounts.scope import get_scope
from sanxian.audit import services as audit
from sanxian.audit.models import AuditAction
from sanxian.checkin import qr_svg_response
from sanxian.issues.models import Issue, IssueState
from sanxian.meetings import exports, selectors, services
from sanxian.meetings.forms import (
    BALLOT_CHOICES,
    AgendaItemForm,
    CountsForm,
    CycleRuleForm,
    DecisionForm,
    MinutesForm,
    NamedVoteForm,
)
from sanxian.meetings.models import AgendaItem, CycleRule, Meeting
from sanxian.places.errors import DomainError
from sanxian.spreadsheets import download_response


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _back(meeting: Meeting, anchor: str = "") -> HttpResponse:
    url = reverse("meetings:detail", args=[meeting.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _form_error(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "meetings/list.html",
        {
            "data": selectors.meeting_list(request.user),
            "feeds": _feed_context(request),
            "rule_places": selectors.rule_places(request.user),
            "can_export": selectors.may_export_list(get_scope(request.user)),
        },
    )


@login_required
def meeting_list_xlsx(request: HttpRequest) -> HttpResponse:
    if not selectors.may_export_list(get_scope(request.user)):
        raise Http404
    return exports.meeting_list_xlsx(request)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    page = selectors.meeting_page(request.user, meeting)
    context = {
        "meeting": meeting,
        "page": page,
        "ballot_choices": BALLOT_CHOICES,
        "decision_form": DecisionForm(issues=page.issues) if page.can_write else None,
        "minutes_form": MinutesForm(
            initial={
                "chair": meeting.chair,
                "recorder": meeting.recorder,
                "minutes": meeting.minutes,
            }
        ),
        "counts_form": CountsForm(),
        "named_form": NamedVoteForm(),
        "agenda_form": AgendaItemForm(),
        "checkin_open": services.checkin_window(meeting)[0]
        <= timezone.now()
        <= services.checkin_window(meeting)[1],
    }
    return render(request, "meetings/detail.html", context)


@login_required
def meeting_qr(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, write=True)
    url = request.build_absolute_uri(
        reverse("meetings:checkin", args=[services.checkin_token(meeting)])
    )
    return qr_svg_response(url)


@require_POST
@login_required
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, write=True)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        services.add_agenda_item(meeting=meeting, title=form.cleaned_data["title"])
        messages.success(request, _("Agenda item added."))
    else:
        _form_error(request, form)
    return _back(meeting, "agenda")


@require_POST
@login_required
def agenda_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, write=True)
    item = AgendaItem.objects.filter(meeting=meeting, pk=item_pk).first()
    if item is None:
        raise Http404
    action = request.POST.get("action", "")
    if action in ("up", "down"):
        services.move_agenda_item(item=item, up=action == "up")
    elif action in ("drop", "restore"):
        services.set_dropped(item=item, dropped=action == "drop")
    else:
        raise BadRequest
    return _back(meeting, "agenda")


@require_POST
@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, write=True)
    try:
        ids = [int(v) for v in request.POST.getlist("attended")]
    except ValueError:
        raise BadRequest from None
    n = services.mark_attendance(meeting=meeting, attended_ids=ids)
    messages.success(request, _("Attendance saved: %(n)d attended.") % {"n": n})
    return _back(meeting, "attendance")


@require_POST
@login_required
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, write=True)
    form = MinutesForm(request.POST)
    if form.is_valid():
        services.record_minutes(meeting=meeting, **form.cleaned_data)
        messages.success(request, _("Minutes saved."))
    else:
        _form_error(request, form)
    return _back(meeting, "minutes")


@require_POST
@login_required
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, write=True)
    form = DecisionForm(request.POST, issues=selectors.meeting_page_issues(meeting))
    if not form.is_valid():
        _form_error(request, form)
        return _back(meeting, "decisions")
    issue_id, to = form.cleaned_data["issue"], form.cleaned_data["to"]
    issue = Issue.objects.filter(pk=issue_id).first() if issue_id else None
    if to == IssueState.DELIBERATE and not get_scope(request.user).is_party:
        raise Http404  # the party consensus step is for party roles
    try:
        services.decide(
            meeting=meeting,
            text=form.cleaned_data["text"],
            actor=_actor(request),
            issue=issue,
            to=to,
        )
    except DomainError as error:
        messages.error(request, str(error))
        return _back(meeting, "decisions")
    if issue is not None and to:
        messages.success(
            request,
            _("Decision recorded; the issue is now: %(state)s.") % {"state": IssueState(to).label},
        )
    else:
        messages.success(request, _("Decision recorded."))
    return _back(meeting, "decisions")


@require_POST
@login_required
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, write=True)
    try:
        if meeting.party_only:
            form = NamedVoteForm(request.POST)
            if not form.is_valid():
                _form_error(request, form)
                return _back(meeting, "votes")
            ballots: dict[int, str] = {}
            for key in request.POST:
                value = request.POST.get(key, "")
                if key.startswith("ballot-") and value:
                    try:
                        ballots[int(key.removeprefix("ballot-"))] = value
                    except ValueError:
                        raise BadRequest from None
            services.record_vote(
                meeting=meeting,
                question=form.cleaned_data["question"],
                actor=_actor(request),
                ballots=ballots,
            )
        else:
            counts = CountsForm(request.POST)
            if not counts.is_valid():
                _form_error(request, counts)
                return _back(meeting, "votes")
            data = counts.cleaned_data
            services.record_vote(
                meeting=meeting,
                question=data["question"],
                actor=_actor(request),
                counts=(data["votes_for"], data["votes_against"], data["votes_abstain"]),
            )
    except DomainError as error:
        messages.error(request, str(error))
        return _back(meeting, "votes")
    messages.success(request, _("Vote recorded."))
    return _back(meeting, "votes")


@login_required
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's target: a signed-in resident confirms they are at the meeting."""
    context: dict[str, object] = {"token": token}
    try:
        meeting = services.meeting_for_token(token)
    except DomainError as error:
        context["error"] = str(error)
        return render(request, "meetings/checkin.html", context, status=400)
    context["meeting"] = meeting
    if request.method == "POST":
        try:
            services.check_in(token=token, user=_actor(request))
        except DomainError as error:
            context["error"] = str(error)
            return render(request, "meetings/checkin.html", context, status=400)
        context["done"] = True
    return render(request, "meetings/checkin.html", context)


# --- Exports: Word minutes and iCalendar feeds ------------------------------------------


def _feed_context(request: HttpRequest) -> dict[str, object]:
    """The subscribe links of the list page (absolute: calendar apps fetch them)."""
    links = exports.feed_links(request.user)
    return {
        "neighborhoods": [
            (
                place,
                request.build_absolute_uri(reverse("meetings:ics_neighborhood", args=[place.pk])),
            )
            for place in links.neighborhoods
        ],
        "private_url": request.build_absolute_uri(
            reverse("meetings:ics_private", args=[links.private_token])
        )
        if links.private_token
        else "",
    }


@login_required
def minutes_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    content = exports.minutes_docx(exports.minutes_data(meeting))
    audit.record(
        AuditAction.EXPORT, request=request, target=meeting, path=meeting.path, export="minutes"
    )
    return download_response(
        content,
        content_type=exports.DOCX_CONTENT_TYPE,
        filename=exports.minutes_filename(meeting),
        ascii_name=f"meeting-{meeting.pk}-minutes.docx",
    )


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _detail_link(request: HttpRequest):
    def link(meeting: Meeting) -> str:
        return request.build_absolute_uri(reverse("meetings:detail", args=[meeting.pk]))

    return link


@login_required
def ics_neighborhood(request: HttpRequest, place_pk: int) -> HttpResponse:
    place = exports.get_feed_neighborhood(request.user, place_pk)
    content = exports.calendar_ics(
        exports.neighborhood_meetings(request.user, place),
        name=_("%(place)s meetings") % {"place": place.name},
        link=_detail_link(request),
    )
    return _ics_response(content, f"neighborhood-{place.pk}.ics")


def ics_private(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no sign-in, the secret token in the address is the key."""
    user = exports.user_for_token(token)
    content = exports.calendar_ics(
        exports.private_meetings(user),
        name=_("My meetings · %(user)s") % {"user": str(user)},
        link=_detail_link(request),
    )
    response = _ics_response(content, "meetings.ics")
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@login_required
def calendar_token_reset(request: HttpRequest) -> HttpResponse:
    """Create the private feed's address, or replace it (the old one stops working)."""
    existed = exports.calendar_token(request.user) is not None
    exports.rotate_calendar_token(request.user)
    if existed:
        messages.success(request, _("New private calendar address: the old one no longer works."))
    else:
        messages.success(request, _("Your private calendar address is ready."))
    return redirect(reverse("meetings:list") + "#subscribe")


# --- Cycle rule -------------------------------------------------------------------------


def _rescheduled_message(result: services.RescheduleResult) -> str:
    message = _("The cycle rule is saved. %(created)d upcoming meetings are scheduled by it.") % {
        "created": len(result.generation.created)
    }
    if result.kept:
        message += " " + _(
            "%(kept)d upcoming meetings that already have records keep their dates."
        ) % {"kept": result.kept}
    return message


@login_required
def cycle_rule(request: HttpRequest, place_pk: int) -> HttpResponse:
    """See and set the monthly cycle of a sub-district or neighborhood."""
    place = selectors.get_rule_place_for_user(request.user, place_pk)
    page = selectors.rule_page(place)
    form = CycleRuleForm(instance=page.rule)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "clear":
                result = services.clear_cycle_rule(place=place)
                messages.success(request, _rescheduled_message(result))
                return redirect("meetings:cycle_rule", place_pk=place.pk)
            form = CycleRuleForm(request.POST, instance=CycleRule(place=place))
            if form.is_valid():
                values = {name: form.cleaned_data[name] for name in form.Meta.fields}
                result = services.save_cycle_rule(place=place, values=values)
                messages.success(request, _rescheduled_message(result))
                return redirect("meetings:cycle_rule", place_pk=place.pk)
            messages.error(request, _("The rule is not saved. Please correct the marked fields."))
        except DomainError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "meetings/cycle_rule.html",
        {"page": page, "form": form},
        status=400 if request.method == "POST" else 200,
    )
