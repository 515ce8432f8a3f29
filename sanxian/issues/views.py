"""Issue pages: list, new, detail (with the forms of the current stage), discussion,
photos, and the POST endpoints of the workflow (each: check access, validate, call one
service, redirect back; bad input re-renders the page with a message and changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast, get_args

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxian.accounts.models import User
from sanxian.accounts.scope import get_scope
from sanxian.issues import exports, selectors, services
from sanxian.issues.forms import (
    ActionForm,
    AdoptForm,
    AnswerForm,
    ConsultationForm,
    FollowUpForm,
    GoalsForm,
    NewIssueForm,
    ObjectChoices,
    OptionForm,
    OutcomeForm,
    PostForm,
    StakeholderForm,
    StepDoneForm,
    StepFields,
    SurveyForm,
    ThresholdForm,
    TransitionForm,
    VoteForm,
)
from sanxian.issues.models import Issue, IssueSource, IssueState, ThinkQuestion
from sanxian.issues.selectors import IssuePage, MoveKind
from sanxian.issues.services import ISSUE_PLACE_KINDS, StepInput
from sanxian.places.errors import DomainError
from sanxian.uploads import photo_response

Form = django_forms.Form


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- List and new -----------------------------------------------------------------------


def _state_filter(request: HttpRequest) -> str:
    state = request.GET.get("state", "")
    return state if state in IssueState.values else ""


@login_required
def issue_list(request: HttpRequest) -> HttpResponse:
    if not selectors.may_open_issues(get_scope(request.user)):
        raise Http404
    state = _state_filter(request)
    after_raw = request.GET.get("after", "")
    after = int(after_raw) if after_raw.isdigit() else None
    listing = selectors.issue_list(request.user, state=state, after=after)
    return render(request, "issues/list.html", {"listing": listing, "rows": _list_rows(listing)})


@dataclass(frozen=True)
class ListRow:
    issue: Issue
    url: str
    state_label: str


# Reversed once per page; each row's link puts its id in place of this one.
_ID_SLOT = 9_876_543_210


def _list_rows(listing: selectors.IssueList) -> list[ListRow]:
    """Each issue of the page with its link and its state's label, resolved once for the
    page rather than once per row."""
    labels = {state.value: str(state.label) for state in IssueState}
    link = reverse("issues:detail", args=[_ID_SLOT])
    return [
        ListRow(issue, link.replace(str(_ID_SLOT), str(issue.pk)), labels[issue.state])
        for issue in listing.items
    ]


@login_required
def issue_list_xlsx(request: HttpRequest) -> HttpResponse:
    """The list as a workbook: every page of it for the same state filter."""
    if not selectors.may_open_issues(get_scope(request.user)):
        raise Http404
    return exports.issue_list_xlsx(request, state=_state_filter(request))


@login_required
def issue_new(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if not selectors.may_open_issues(scope):
        raise Http404
    places = selectors.places_for_new_issue(request.user, ISSUE_PLACE_KINDS)
    if not places:
        raise Http404
    error = None
    if request.method == "POST":
        form = NewIssueForm(request.POST, places=places)
        if form.is_valid():
            data = form.cleaned_data
            try:
                issue = services.create_issue(
                    place=data["place"],
                    title=data["title"],
                    source=data["source"],
                    description=data["description"],
                    actor=_actor(request),
                )
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, _("The issue is collected."))
                return redirect("issues:detail", pk=issue.pk)
        status = 400
    else:
        initial: dict[str, Any] = {
            "source": IssueSource.STAFF if scope.is_staff else IssueSource.PARTY_MEMBER
        }
        place_id = request.GET.get("place", "")
        if place_id.isdigit():
            initial["place"] = place_id
        form = NewIssueForm(initial=initial, places=places)
        status = 200
    return render(request, "issues/new.html", {"form": form, "error": error}, status=status)


# --- Detail -----------------------------------------------------------------------------


def _member_choices(page: IssuePage) -> ObjectChoices:
    """The neighborhood's party members for the forms (a chosen one is loaded in full)."""
    return ObjectChoices(page.members, load=selectors.party_members_by_pk)


def _resident_choices(page: IssuePage) -> ObjectChoices:
    return ObjectChoices(page.residents, load=selectors.residents_by_pk)


def _forms_for(page: IssuePage, bound: dict[str, Form]) -> dict[str, Form]:
    """The forms the viewer may use at the issue's current stage (bound ones kept)."""
    issue, state = page.issue, page.issue.state
    result: dict[str, Form] = {}
    # The neighborhood's party members are offered by several forms: one list for all.
    members = _member_choices(page)
    writer, party, staff, moves = page.can_write, page.is_party, page.is_staff, page.moves
    if writer and party and state in (IssueState.COLLECTED, IssueState.THINK):
        result["threshold"] = ThresholdForm(
            initial={"threshold": f"{issue.consensus_threshold:.4f}"}
        )
    if writer and moves.may_advance:
        result["advance"] = TransitionForm(prefix="advance", initial={"to": moves.advance})
    if writer and moves.may_set_aside:
        result["aside"] = TransitionForm(prefix="aside")
    if writer and moves.reopen is not None:
        result["reopen"] = TransitionForm(prefix="reopen", initial={"to": moves.reopen})
    think = page.think
    if think is not None:
        if writer:
            for row in think.questions:
                initial = {}
                if row.answer is not None:
                    initial = {
                        "answer": "yes" if row.answer.answer else "no",
                        "note": row.answer.note,
                    }
                result[f"answer_{row.code}"] = AnswerForm(prefix=row.code, initial=initial)
        if think.can_vote:
            result["vote"] = VoteForm(
                initial={"choice": think.my_vote.choice} if think.my_vote else {}
            )
    elif state == IssueState.DELIBERATE and writer:
        result["goals"] = GoalsForm(initial={"goals": issue.goals})
        result["option"] = OptionForm(prefix="option")
        if page.plan is None:
            result["adopt"] = AdoptForm(
                prefix="adopt",
                options=page.options,
                meetings=page.adoption_meetings,
                members=members,
                initial={"goals": issue.goals},
            )
            result["adopt_step"] = StepFields(prefix="adopt_step", members=members)
        else:
            result["step"] = StepFields(prefix="step", members=members)
        result["stakeholder"] = StakeholderForm(prefix="stakeholder")
        result["consultation"] = ConsultationForm(prefix="consultation", meetings=page.meetings)
    elif state == IssueState.ACT and writer:
        result["action"] = ActionForm(
            prefix="action", members=members, residents=_resident_choices(page)
        )
        result["outcome"] = OutcomeForm(prefix="outcome", initial=_outcome_initial(page))
        if page.plan is not None:
            result["step"] = StepFields(prefix="step", members=members)
    elif state == IssueState.DONE and writer and staff:
        result["survey"] = SurveyForm(prefix="survey")
        outcome = page.outcome
        result["follow_up"] = FollowUpForm(
            prefix="follow_up",
            initial={"follow_up_on": outcome.follow_up_on if outcome else None},
        )
    result.update(bound)
    return result


def _outcome_initial(page: IssuePage) -> dict[str, str]:
    outcome = page.outcome
    if outcome is None:
        return {}
    return {"what_changed": outcome.what_changed, "before": outcome.before, "after": outcome.after}


def _render_detail(
    request: HttpRequest,
    issue: Issue,
    *,
    page: IssuePage | None = None,
    bound: dict[str, Form] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    page = page or selectors.issue_page(request.user, issue)
    return render(
        request,
        "issues/detail.html",
        {
            "page": page,
            "issue": issue,
            "forms": _forms_for(page, bound or {}),
            "error": error,
            "IssueState": IssueState,
        },
        status=status,
    )


@login_required
def issue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    issue = selectors.get_issue_for_user(request.user, pk)
    return _render_detail(request, issue)


@login_required
def issue_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponseBase:
    issue = selectors.get_issue_for_user(request.user, pk)
    photo = selectors.photo_for_issue(issue, photo_pk)
    if photo is None:
        raise Http404
    return photo_response(photo.file)


@login_required
def discussion(request: HttpRequest, pk: int) -> HttpResponse:
    """The issue's discussion thread (party roles only; it replaces the WeChat group)."""
    issue = selectors.get_issue_for_user(request.user, pk)
    if not get_scope(request.user).is_party:
        raise Http404
    options = selectors.issue_options(issue)
    error = None
    status = 200
    if request.method == "POST":
        form = PostForm(request.POST, options=options)
        if form.is_valid():
            try:
                services.post_message(
                    issue=issue,
                    author=_actor(request),
                    text=form.cleaned_data["text"],
                    option=form.cleaned_data["option"],
                )
            except DomainError as exc:
                error = exc.message
            else:
                return redirect(reverse("issues:discussion", args=[issue.pk]) + "#latest")
        status = 400
    else:
        form = PostForm(options=options)
    return render(
        request,
        "issues/discussion.html",
        {
            "issue": issue,
            "posts": selectors.discussion(issue),
            "form": form,
            "can_post": issue.state in services.DISCUSSION_STATES,
            "error": error,
        },
        status=status,
    )


# --- Writes -----------------------------------------------------------------------------

# A write binds its forms from the request and returns them (by their key on the page)
# with an action that calls one service and returns the success message.
Action = Callable[[], str]
Bound = tuple[dict[str, Form], Action]
Bind = Callable[[HttpRequest, Issue, IssuePage], Bound]


@dataclass(frozen=True)
class Write:
    bind: Bind
    anchor: str
    write: bool = True  # needs write access (scope covers the issue)
    party: bool = False  # party roles only
    staff: bool = False  # staff roles only


def _threshold(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = ThresholdForm(request.POST)

    def run() -> str:
        services.set_consensus_threshold(
            issue=issue, threshold=form.cleaned_data["threshold"], actor=_actor(request)
        )
        return _("The consensus threshold is saved.")

    return {"threshold": form}, run


def _transition(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    key = request.POST.get("form", "")
    if key not in get_args(MoveKind):
        raise BadRequest
    kind = cast(MoveKind, key)
    form = TransitionForm(request.POST, prefix=key)

    def run() -> str:
        to = form.cleaned_data["to"]
        services.move(
            issue=issue,
            kind=kind,
            scope=page.scope,
            actor=_actor(request),
            to=to,
            note=form.cleaned_data["note"],
        )
        return _("The issue is now: %(state)s.") % {"state": IssueState(to).label}

    return {key: form}, run


def _answer(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    question = request.POST.get("question", "")
    if question not in ThinkQuestion.values:
        raise BadRequest
    form = AnswerForm(request.POST, prefix=question)

    def run() -> str:
        services.answer_question(
            issue=issue,
            question=question,
            answer=form.cleaned_data["answer"],
            note=form.cleaned_data["note"],
            actor=_actor(request),
        )
        return _("The answer is saved.")

    return {f"answer_{question}": form}, run


def _vote(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = VoteForm(request.POST)

    def run() -> str:
        member = selectors.own_party_member(request.user)
        if member is None:
            raise DomainError(_("Only party members vote, and your account is not one."))
        services.cast_vote(
            issue=issue, member=member, choice=form.cleaned_data["choice"], actor=_actor(request)
        )
        return _("Your vote is recorded.")

    return {"vote": form}, run


def _goals(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = GoalsForm(request.POST)

    def run() -> str:
        services.set_goals(issue=issue, goals=form.cleaned_data["goals"], actor=_actor(request))
        return _("The goals are saved.")

    return {"goals": form}, run


def _option(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = OptionForm(request.POST, prefix="option")

    def run() -> str:
        services.add_option(
            issue=issue,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            actor=_actor(request),
        )
        return _("The option is added.")

    return {"option": form}, run


def _step_input(data: dict[str, Any]) -> StepInput:
    return StepInput(
        what=data["what"],
        owner_member=data["owner_member"],
        owner_name=data["owner_name"],
        due_on=data["due_on"],
        resources=data["resources"],
    )


def _adopt(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    members = _member_choices(page)
    adopt = AdoptForm(
        request.POST,
        prefix="adopt",
        options=page.options,
        meetings=page.adoption_meetings,
        members=members,
    )
    step = StepFields(request.POST, prefix="adopt_step", members=members)

    def run() -> str:
        data = adopt.cleaned_data
        services.adopt_plan(
            issue=issue,
            option=data["option"],
            meeting=data["meeting"],
            leads=data["leads"],
            steps=[_step_input(step.cleaned_data)],
            goals=data["goals"] or None,
            actor=_actor(request),
        )
        return _("The plan is adopted and recorded in the meeting's minutes.")

    return {"adopt": adopt, "adopt_step": step}, run


def _step(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = StepFields(request.POST, prefix="step", members=_member_choices(page))

    def run() -> str:
        services.add_plan_step(
            issue=issue, step=_step_input(form.cleaned_data), actor=_actor(request)
        )
        return _("The step is added to the plan.")

    return {"step": form}, run


def _step_done(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = StepDoneForm(request.POST)

    def run() -> str:
        step = selectors.plan_step_for_issue(issue, form.cleaned_data["step"])
        if step is None:
            raise Http404
        services.mark_step_done(
            issue=issue, step=step, done=form.cleaned_data["done"], actor=_actor(request)
        )
        return _("The plan's progress is saved.")

    return {"step_done": form}, run


def _stakeholder(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = StakeholderForm(request.POST, prefix="stakeholder")

    def run() -> str:
        data = form.cleaned_data
        services.add_stakeholder(
            issue=issue,
            kind=data["kind"],
            name=data["name"],
            note=data["note"],
            actor=_actor(request),
        )
        return _("The stakeholder is recorded.")

    return {"stakeholder": form}, run


def _consultation(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = ConsultationForm(request.POST, prefix="consultation", meetings=page.meetings)

    def run() -> str:
        data = form.cleaned_data
        services.record_consultation(
            issue=issue,
            held_on=data["held_on"],
            meeting=data["meeting"],
            attendees=data["attendees"],
            support=data["support"],
            oppose=data["oppose"],
            summary=data["summary"],
            actor=_actor(request),
        )
        return _("The residents' consultation is recorded.")

    return {"consultation": form}, run


def _action(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = ActionForm(
        request.POST,
        request.FILES,
        prefix="action",
        members=_member_choices(page),
        residents=_resident_choices(page),
    )

    def run() -> str:
        data = form.cleaned_data
        services.record_action(
            issue=issue,
            member=data["member"],
            resident=data["resident"],
            name=data["name"],
            acted_at=data["acted_at"],
            what=data["what"],
            photos=data["photos"],
            actor=_actor(request),
        )
        return _("The action is recorded.")

    return {"action": form}, run


def _outcome(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = OutcomeForm(request.POST, request.FILES, prefix="outcome")

    def run() -> str:
        data = form.cleaned_data
        services.record_outcome(
            issue=issue,
            what_changed=data["what_changed"],
            before=data["before"],
            after=data["after"],
            before_photo=data["before_photo"],
            after_photo=data["after_photo"],
            actor=_actor(request),
        )
        return _("The outcome is recorded.")

    return {"outcome": form}, run


def _survey(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = SurveyForm(request.POST, prefix="survey")

    def run() -> str:
        data = form.cleaned_data
        services.record_survey(
            issue=issue,
            rating=data["rating"],
            count=data["count"],
            note=data["note"],
            actor=_actor(request),
        )
        return _("The survey responses are recorded.")

    return {"survey": form}, run


def _follow_up(request: HttpRequest, issue: Issue, page: IssuePage) -> Bound:
    form = FollowUpForm(request.POST, prefix="follow_up")

    def run() -> str:
        services.set_follow_up(
            issue=issue, follow_up_on=form.cleaned_data["follow_up_on"], actor=_actor(request)
        )
        return _("The follow-up date is saved.")

    return {"follow_up": form}, run


WRITES: dict[str, Write] = {
    "threshold": Write(_threshold, "think", party=True),
    "transition": Write(_transition, "stage"),
    "answer": Write(_answer, "think", party=True),
    "vote": Write(_vote, "think", write=False, party=True),
    "goals": Write(_goals, "deliberate"),
    "option": Write(_option, "deliberate"),
    "adopt": Write(_adopt, "deliberate"),
    "step": Write(_step, "plan"),
    "step_done": Write(_step_done, "plan"),
    "stakeholder": Write(_stakeholder, "deliberate"),
    "consultation": Write(_consultation, "deliberate"),
    "action": Write(_action, "act"),
    "outcome": Write(_outcome, "outcome"),
    "survey": Write(_survey, "done", staff=True),
    "follow_up": Write(_follow_up, "done", staff=True),
}


@login_required
@require_POST
def issue_write(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    spec = WRITES[what]
    issue = selectors.get_issue_for_user(request.user, pk, write=spec.write)
    scope = get_scope(request.user)
    if (spec.party and not scope.is_party) or (spec.staff and not scope.is_staff):
        raise Http404
    page = selectors.issue_page(request.user, issue)
    bound, run = spec.bind(request, issue, page)
    valid = [form.is_valid() for form in bound.values()]  # validate each, to show all errors
    if not all(valid):
        return _render_detail(request, issue, page=page, bound=bound, status=400)
    try:
        message = run()
    except DomainError as exc:
        return _render_detail(request, issue, page=page, bound=bound, error=exc.message, status=400)
    messages.success(request, message)
    return redirect(reverse("issues:detail", args=[issue.pk]) + f"#{spec.anchor}")
