"""Exports of meetings: the minutes as a Word document (python-docx) and the schedule as
iCalendar feeds (a neighborhood's feed for signed-in users, and a private feed per user
whose address carries a secret token, for calendar apps that cannot sign in).

Every read here is a fixed number of queries whatever the number of meetings, agenda
items, invitees, decisions or ballots.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from icalendar import Calendar, Event

from sanxian.accounts.scope import get_scope
from sanxian.meetings.models import (
    PARTY_ONLY_KINDS,
    AgendaItem,
    Ballot,
    CalendarToken,
    Invitation,
    Meeting,
    MeetingDecision,
    MeetingVote,
)
from sanxian.meetings.selectors import _own_member_path, listed_meetings, visible_q
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import ancestor_paths
from sanxian.spreadsheets import Column, common_path, field_label, list_export

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"

TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
LATIN_FONT = "Times New Roman"
TITLE_SIZE = 22  # 二号
BODY_SIZE = 16  # 三号

# A feed holds the meetings from this many days back on, at most FEED_MAX of them.
FEED_PAST_DAYS = 180
FEED_MAX = 500
MAX_FEED_NEIGHBORHOODS = 50


# --- Shared formatting ------------------------------------------------------------------


def local(dt: datetime) -> datetime:
    return timezone.localtime(dt, ZoneInfo(settings.TIME_ZONE))


def chinese_datetime(start: datetime, end: datetime | None = None) -> str:
    """``2026年11月15日 14:00`` (``–15:30`` appended when the end is the same day)."""
    s = local(start)
    text = f"{s.year}年{s.month}月{s.day}日 {s:%H:%M}"
    if end is not None:
        e = local(end)
        same_day = e.date() == s.date()
        text += f"—{e:%H:%M}" if same_day else f"—{e.year}年{e.month}月{e.day}日 {e:%H:%M}"
    return text


def live_agenda(meeting: Meeting) -> list[AgendaItem]:
    """The agenda items not dropped (prefetched as ``live_agenda`` when available)."""
    items = getattr(meeting, "live_agenda", None)
    if items is None:
        items = list(
            AgendaItem.objects.filter(meeting=meeting, dropped=False).order_by("position", "id")
        )
    return items


def _live_agenda_prefetch() -> Prefetch:
    return Prefetch(
        "agenda",
        queryset=AgendaItem.objects.filter(dropped=False).order_by("position", "id"),
        to_attr="live_agenda",
    )


# --- Word minutes -----------------------------------------------------------------------


@dataclass
class MinutesData:
    meeting: Meeting
    agenda: list[AgendaItem]
    attendees: list[Invitation]
    absentees: list[Invitation]
    decisions: list[MeetingDecision]
    votes: list[MeetingVote]


def minutes_data(meeting: Meeting) -> MinutesData:
    invitations = list(Invitation.objects.filter(meeting=meeting).order_by("role", "name", "id"))
    votes = list(
        MeetingVote.objects.filter(meeting=meeting).prefetch_related(
            Prefetch("ballots", queryset=Ballot.objects.select_related("member"))
        )
    )
    return MinutesData(
        meeting=meeting,
        agenda=live_agenda(meeting),
        attendees=[i for i in invitations if i.attended],
        absentees=[i for i in invitations if not i.attended],
        decisions=list(MeetingDecision.objects.filter(meeting=meeting)),
        votes=votes,
    )


def minutes_title(meeting: Meeting) -> str:
    return _("%(title)s minutes") % {"title": meeting.title}


def minutes_filename(meeting: Meeting) -> str:
    day = local(meeting.starts_at).strftime("%Y%m%d")
    safe = re.sub(r'[\\/:*?"<>|\r\n\t]+', " ", minutes_title(meeting)).strip()
    return f"{safe} {day}.docx"


def _set_fonts(run, east_asia: str, size: int, *, bold: bool = False) -> None:
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def _paragraph(doc, text: str, *, bold: bool = False, indent: bool = False):
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(4)
    p.paragraph_format.line_spacing = 1.25
    if indent:
        p.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
    _set_fonts(p.add_run(text), BODY_FONT, BODY_SIZE, bold=bold)
    return p


def _labelled(doc, label: str, value: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(4)
    _set_fonts(p.add_run(_("%(label)s: ") % {"label": label}), BODY_FONT, BODY_SIZE, bold=True)
    _set_fonts(p.add_run(value), BODY_FONT, BODY_SIZE)


def _names(invitations: Iterable[Invitation]) -> str:
    return "、".join(i.name for i in invitations) or _("(none)")


def _vote_line(vote: MeetingVote) -> str:
    counts = _("for %(f)s, against %(a)s, abstain %(b)s") % {
        "f": vote.votes_for,
        "a": vote.votes_against,
        "b": vote.votes_abstain,
    }
    result = _("passed") if vote.passed else _("not passed")
    line = _("%(question)s: %(counts)s (%(result)s)") % {
        "question": vote.question,
        "counts": counts,
        "result": result,
    }
    if vote.named:
        ballots = "，".join(
            f"{b.member.name}：{b.get_choice_display()}" for b in vote.ballots.all()
        )
        if ballots:
            line += _("; named ballots: %(ballots)s") % {"ballots": ballots}
    return line


def minutes_docx(data: MinutesData) -> bytes:
    """The minutes in the usual Chinese layout, as the bytes of a .docx file."""
    meeting = data.meeting
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.17)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_SIZE)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    title = minutes_title(meeting)
    doc.core_properties.title = title
    doc.core_properties.author = meeting.recorder or ""

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.space_after = Pt(12)
    _set_fonts(head.add_run(title), TITLE_FONT, TITLE_SIZE, bold=True)

    _labelled(doc, _("Time"), chinese_datetime(meeting.starts_at, meeting.end))
    _labelled(doc, _("Venue"), meeting.venue or _("(none)"))
    _labelled(doc, _("Chair"), meeting.chair or _("(none)"))
    _labelled(doc, _("Recorder"), meeting.recorder or _("(none)"))
    _labelled(doc, _("Attendees"), _names(data.attendees))
    _labelled(doc, _("Absentees"), _names(data.absentees))

    _paragraph(doc, _("%(label)s: ") % {"label": _("Agenda")}, bold=True)
    for n, item in enumerate(data.agenda, 1):
        _paragraph(doc, f"{n}. {item.title}", indent=True)
    if not data.agenda:
        _paragraph(doc, _("(none)"), indent=True)

    _paragraph(doc, _("%(label)s: ") % {"label": _("Meeting content")}, bold=True)
    lines = [line.strip() for line in meeting.minutes.splitlines() if line.strip()]
    for line in lines or [_("(none)")]:
        _paragraph(doc, line, indent=True)

    _paragraph(doc, _("%(label)s: ") % {"label": _("Decisions taken")}, bold=True)
    for n, decision in enumerate(data.decisions, 1):
        _paragraph(doc, f"{n}. {decision.text}", indent=True)
    if not data.decisions:
        _paragraph(doc, _("(none)"), indent=True)

    _paragraph(doc, _("%(label)s: ") % {"label": _("Votes")}, bold=True)
    for n, vote in enumerate(data.votes, 1):
        _paragraph(doc, f"{n}. {_vote_line(vote)}", indent=True)
    if not data.votes:
        _paragraph(doc, _("(none)"), indent=True)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- Calendar feeds: who sees which meetings --------------------------------------------


def _feed_queryset(q: Q) -> QuerySet[Meeting]:
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    ids = Meeting.objects.filter(q, starts_at__gte=since).values("pk")
    return (
        Meeting.objects.filter(pk__in=ids)
        .select_related("place")
        .prefetch_related(_live_agenda_prefetch())
        .order_by("starts_at", "id")
    )


def _visible_paths(user) -> set[str]:
    """The scope's paths, their ancestors, and (party roles) the home's ancestors."""
    scope = get_scope(user)
    paths: set[str] = set()
    for p in scope.paths:
        paths.update(ancestor_paths(p))
    if scope.is_party:
        home = _own_member_path(user)
        if home:
            paths.update(ancestor_paths(home))
    return paths


def feed_neighborhoods(user) -> list[Place]:
    """The neighborhoods whose feed the user may subscribe to."""
    scope = get_scope(user)
    paths = _visible_paths(user)
    if not paths:
        return []
    return list(
        Place.objects.filter(kind=PlaceKind.NEIGHBORHOOD)
        .filter(Q(path__in=paths) | scope.q())
        .order_by("path")[:MAX_FEED_NEIGHBORHOODS]
    )


def get_feed_neighborhood(user, pk: int) -> Place:
    """The neighborhood if the user's scope reaches into it (or covers it), else 404."""
    place = Place.objects.filter(pk=pk, kind=PlaceKind.NEIGHBORHOOD).first()
    if place is None:
        raise Http404
    scope = get_scope(user)
    if scope.covers(place.path) or place.path in _visible_paths(user):
        return place
    raise Http404


def neighborhood_meetings(user, place: Place) -> list[Meeting]:
    """The meetings of the neighborhood the user may open (the 15th for party roles only)."""
    scope = get_scope(user)
    return list(_feed_queryset(visible_q(user, scope) & Q(place=place))[:FEED_MAX])


def private_meetings(user) -> list[Meeting]:
    """The meetings the user's resident is invited to and, for staff, those of their scope
    (the 15th for party roles only)."""
    scope = get_scope(user)
    q = Q(pk__in=[])
    if user.resident_id is not None:
        q |= Q(invitations__resident_id=user.resident_id)
    if scope.is_staff:
        q |= scope.q()
    if not scope.is_party:
        q &= ~Q(kind__in=list(PARTY_ONLY_KINDS))
    return list(_feed_queryset(q)[:FEED_MAX])


# --- Calendar feeds: the private token --------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(32)


def calendar_token(user) -> CalendarToken | None:
    return CalendarToken.objects.filter(user=user).first()


def rotate_calendar_token(user) -> CalendarToken:
    """Create the user's token, or replace it (the old address stops working)."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                token, _created = CalendarToken.objects.update_or_create(
                    user=user, defaults={"token": new_token(), "created_at": timezone.now()}
                )
                return token
        except IntegrityError:  # a clash of random tokens or of two concurrent creations
            continue
    raise IntegrityError("could not create a calendar token")


def user_for_token(token: str):
    """The active user whose private feed this token opens, else 404."""
    row = CalendarToken.objects.select_related("user").filter(token=token).first()
    if row is None or not row.user.is_active:
        raise Http404
    return row.user


# --- Calendar feeds: the iCalendar document ---------------------------------------------


def calendar_ics(
    meetings: Iterable[Meeting], *, name: str, link: Callable[[Meeting], str] | None = None
) -> bytes:
    """The meetings as an iCalendar document (times in Asia/Shanghai with a VTIMEZONE)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    cal = Calendar()
    cal.add("prodid", "-//sanxian//meetings//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now().astimezone(ZoneInfo("UTC"))
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@sanxian")
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.starts_at.astimezone(tz))
        event.add("dtend", meeting.end.astimezone(tz))
        event.add("summary", meeting.title)
        if meeting.venue:
            event.add("location", meeting.venue)
        lines = [f"{n}. {item.title}" for n, item in enumerate(live_agenda(meeting), 1)]
        heading = _("%(label)s: ") % {"label": _("Agenda")}
        description = "\n".join([heading.strip(), *lines]) if lines else ""
        if link is not None:
            url = link(meeting)
            event.add("url", url)
            description = f"{description}\n\n{url}" if description else url
        if description:
            event.add("description", description)
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


# --- Links on the list page -------------------------------------------------------------


@dataclass
class FeedLinks:
    neighborhoods: list[Place] = field(default_factory=list)
    private_token: str = ""


def feed_links(user) -> FeedLinks:
    token = calendar_token(user)
    return FeedLinks(
        neighborhoods=feed_neighborhoods(user), private_token=token.token if token else ""
    )


# --- The meeting list as a workbook -------------------------------------------------------


def list_columns() -> list[Column[Meeting]]:
    def label(name: str) -> str:
        return field_label(Meeting, name)

    return [
        Column(label("title"), lambda m: m.title, 36),
        Column(label("kind"), lambda m: m.get_kind_display(), 22),
        Column(label("starts_at"), lambda m: m.starts_at, 18),
        Column(label("ends_at"), lambda m: m.end, 18),
        Column(label("place"), lambda m: m.place.name, 14),
        Column(label("venue"), lambda m: m.venue, 16),
        Column(label("held"), lambda m: m.held, 8),
        Column(_("Minutes filed"), lambda m: getattr(m, "has_minutes", False), 10),
    ]


def meeting_list_xlsx(request: HttpRequest) -> HttpResponse:
    """What the meeting list shows (upcoming, then past), all of it, not only the page's
    first sixty of each."""
    upcoming, past = listed_meetings(request.user)
    has_minutes = ExpressionWrapper(~Q(minutes=""), output_field=BooleanField())

    def rows(qs: QuerySet[Meeting]) -> Iterable[Meeting]:
        return qs.defer("minutes").annotate(has_minutes=has_minutes).iterator(chunk_size=2000)

    def both() -> Iterable[Meeting]:
        yield from rows(upcoming)
        yield from rows(past)

    return list_export(
        request,
        what="meetings",
        title=_("Meetings"),
        slug="meetings",
        columns=list_columns(),
        items=both(),
        path=common_path(get_scope(request.user).paths),
    )
