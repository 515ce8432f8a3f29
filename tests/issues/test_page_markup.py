"""The issue pages' forms and list, as written for speed: choice lists built once per page
and written as plain strings, form markup written in Python (the same as Django's
templates), bounded counts by state on the list, and the list's scope."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils import translation

from sanxian.accounts.models import Role
from sanxian.accounts.services import assign_role
from sanxian.issues import forms as issue_forms
from sanxian.issues import selectors, views
from sanxian.issues.models import ActionRecord, IssueState, PlanStep
from sanxian.issues.selectors import PersonChoice
from sanxian.party.models import PartyMember
from sanxian.places.models import PlaceKind
from sanxian.places.paths import subtree_q
from sanxian.places.services import create_place, create_subdistrict
from tests.issues.helpers import ago, issue_in, make_issue
from tests.world import World

# The refusal as the page shows it (in the default language, Simplified Chinese).
with translation.override("zh-hans"):
    NOT_A_MEMBER = translation.gettext("Choose a party member of this neighborhood.")


def _normalized(html: str) -> str:
    html = re.sub(r"\s+", " ", str(html))
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def _members_of(path: str) -> list[PartyMember]:
    return list(PartyMember.objects.filter(subtree_q(path)).order_by("name", "id"))


@pytest.mark.django_db
def test_member_choices_are_on_each_form_and_outsiders_are_refused(login, world: World) -> None:  # type: ignore[no-untyped-def]
    issue = issue_in(world, IssueState.ACT)
    client = login("secretary")
    page = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    north = _members_of(world.north.path)
    assert north
    # The action form and the plan step form both offer every member of the neighborhood.
    for name in ("action-member", "step-owner_member"):
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
        assert select is not None, name
        offered = re.findall(r'<option value="(\d+)">([^<]*)</option>', select.group(1))
        assert offered == [(str(m.pk), m.name) for m in north]
    outsider = PartyMember.objects.exclude(subtree_q(world.north.path)).first()
    assert outsider is not None  # a party member of the other neighborhood

    response = client.post(
        reverse("issues:action", args=[issue.pk]),
        {
            "action-member": outsider.pk,
            "action-acted_at": ago(days=1).strftime("%Y-%m-%dT%H:%M"),
            "action-what": "清理",
        },
    )
    assert response.status_code == 400
    assert NOT_A_MEMBER in response.content.decode()
    assert not ActionRecord.objects.filter(issue=issue, member=outsider).exists()

    steps = PlanStep.objects.filter(plan__issue=issue).count()
    response = client.post(
        reverse("issues:step", args=[issue.pk]),
        {"step-what": "再清理", "step-owner_member": outsider.pk},
    )
    assert response.status_code == 400
    assert NOT_A_MEMBER in response.content.decode()
    assert PlanStep.objects.filter(plan__issue=issue).count() == steps

    # A member of the neighborhood is taken, as the full record.
    response = client.post(
        reverse("issues:step", args=[issue.pk]),
        {"step-what": "再清理", "step-owner_member": north[0].pk},
    )
    assert response.status_code == 302
    assert PlanStep.objects.get(plan__issue=issue, what="再清理").owner_member == north[0]


def test_choice_labels_are_escaped_and_long_lists_get_a_search_box() -> None:
    people = [PersonChoice(n, f"<b>王{n}</b>", "0001") for n in range(1, 20)]
    form = issue_forms.StepFields(prefix="step", members=people)
    html = str(form["owner_member"])
    assert "<b>" not in html and "&lt;b&gt;王1&lt;/b&gt;" in html
    assert "data-picker=" in html
    short = str(issue_forms.StepFields(prefix="step", members=people[:3])["owner_member"])
    assert "data-picker" not in short
    # Bound to a choice, that option (and only it) is selected.
    bound = issue_forms.StepFields({"step-owner_member": "7"}, prefix="step", members=people)
    assert str(bound["owner_member"]).count(" selected") == 1
    assert '<option value="7" selected>' in str(bound["owner_member"])


@pytest.mark.django_db
def test_form_markup_is_what_the_django_templates_write(login, world: World) -> None:  # type: ignore[no-untyped-def]
    """Every form of every stage, blank and with errors, written in Python and by the
    templates: the same markup (whitespace aside)."""
    templates = DjangoTemplates()
    secretary = world.users["secretary"]
    compared = 0
    with translation.override("zh-hans"):
        for state in IssueState.values:
            issue = selectors.get_issue_for_user(secretary, issue_in(world, state).pk)
            page = selectors.issue_page(secretary, issue)
            choices = {
                issue_forms.StepFields: {"members": views._member_choices(page)},
                issue_forms.ActionForm: {
                    "members": views._member_choices(page),
                    "residents": views._resident_choices(page),
                },
                issue_forms.AdoptForm: {
                    "members": views._member_choices(page),
                    "options": page.options,
                    "meetings": page.adoption_meetings,
                },
            }
            for blank in views._forms_for(page, {}).values():
                ours = _normalized(blank.render())
                blank.renderer = templates
                assert ours == _normalized(blank.render())
                kwargs = {"prefix": blank.prefix, **choices.get(type(blank), {})}
                data = {"x": "<script>"}
                bound, bound_by_templates = (
                    type(blank)(data, **kwargs),
                    type(blank)(data, renderer=templates, **kwargs),
                )
                assert not bound.is_valid() and not bound_by_templates.is_valid()
                assert _normalized(bound.render()) == _normalized(bound_by_templates.render())
                compared += 1
    assert compared > 20


@pytest.mark.django_db
def test_list_counts_each_state_up_to_the_cap(login, world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    for n in range(3):
        make_issue(world, title=f"征集{n}")
    issue_in(world, IssueState.THINK)
    page = login("secretary").get(reverse("issues:list")).content.decode()
    assert re.search(r'data-state="collected"[^>]*>[^<]* 2\+<', page)
    assert re.search(r'data-state="think"[^>]*>[^<]* 1<', page)
    assert re.search(r'data-state="done"[^>]*>[^<]* 0<', page)
    assert re.search(r">全部 3\+<|>All 3\+<", page)


@pytest.mark.django_db
def test_list_scope_over_several_subdistricts(login, world: World) -> None:  # type: ignore[no-untyped-def]
    """An administrator of one sub-district sees its issues only; of every sub-district,
    all of them (the list then needs no filter)."""
    other = create_subdistrict(name="另一街道", district="测试区")
    elsewhere = create_place(parent=other, kind=PlaceKind.NEIGHBORHOOD, name="西苑")
    theirs = make_issue(world, elsewhere, title="别处的议题")
    ours = make_issue(world, title="本街道议题")

    def listed() -> set[int]:
        page = login("admin").get(reverse("issues:list")).content.decode()
        return {int(pk) for pk in re.findall(r'data-issue="(\d+)"', page)}

    assert ours.pk in listed() and theirs.pk not in listed()
    assign_role(
        user=world.users["admin"],
        role=Role.SUBDISTRICT_ADMIN,
        place=other,
        starts_on=date(2020, 1, 1),
    )
    assert {ours.pk, theirs.pk} <= listed()
    secretary = world.users["secretary"]
    assert theirs.pk not in {i.pk for i in selectors.issue_list(secretary).items}


@pytest.mark.django_db
def test_list_pages_follow_on_without_gaps(login, world: World) -> None:  # type: ignore[no-untyped-def]
    made = [make_issue(world, title=f"议题{n}").pk for n in range(selectors.PAGE_SIZE + 5)]
    secretary = world.users["secretary"]
    first = selectors.issue_list(secretary)
    assert [i.pk for i in first.items] == sorted(made, reverse=True)[: selectors.PAGE_SIZE]
    assert first.next_after == first.items[-1].pk
    second = selectors.issue_list(secretary, after=first.next_after)
    assert [i.pk for i in second.items] == sorted(made, reverse=True)[selectors.PAGE_SIZE :]
    assert second.next_after is None
    collected = selectors.issue_list(secretary, state=IssueState.COLLECTED)
    assert all(i.state == IssueState.COLLECTED for i in collected.items)
