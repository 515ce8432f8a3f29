"""Junk into every form each persona is offered: bad input gets a clear answer, never a
server error. Walk the links like test_crawl.py, read every POST form in the page's
<main>, and submit it empty, with oversized / malformed values, and with forged ids.
Each submission is rolled back, so one accepted piece of junk cannot spoil the next."""

from __future__ import annotations

import contextlib
import copy
import re
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse

from tests.crawl import PERSONAS, build_data, walk
from tests.world import World

LONG = ("楼道灯坏了请尽快处理<b>&amp;'\"x" * 400)[:5000]
NUMBER_TYPES = {"number", "range"}
TEXT_TYPES = {"text", "textarea", "search", "email", "url", "tel", "password", ""}
JUNK_BY_TYPE = {
    "date": "2026-02-30",
    "time": "25:61",
    "datetime-local": "2026-02-30T25:61",
    "month": "2026-13",
    "week": "2026-W60",
}
BUTTON_TYPES = {"submit", "button", "reset", "image"}
ID_NAME = re.compile(r"(^|[_-])(id|pk|ids)$")


class _Undo(Exception):
    """Raised to roll back whatever one submission wrote."""


@dataclass
class Control:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str
    default: list[str]  # what the browser would send untouched
    numeric: bool = False


@dataclass
class Form:
    page: str
    action: str
    controls: list[Control]
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, action


def _id_like(control: Control) -> bool:
    return control.kind == "hidden" and bool(
        ID_NAME.search(control.name) or re.fullmatch(r"-?\d+", control.value)
    )


def _control(element: lxml.html.HtmlElement) -> Control | None:
    name = element.get("name")
    if not name or element.get("disabled") is not None:
        return None
    tag = element.tag
    if tag == "select":
        selected = [o.get("value", o.text_content()) for o in element.iter("option")]
        chosen = [
            o.get("value", o.text_content())
            for o in element.iter("option")
            if o.get("selected") is not None
        ]
        if element.get("multiple") is None and not chosen and selected:
            chosen = selected[:1]
        return Control(name, "select", "", chosen)
    if tag == "textarea":
        return Control(name, "textarea", "", [element.text or ""])
    kind = (element.get("type") or "text").lower()
    if kind in BUTTON_TYPES:
        return None
    value = element.get("value", "on" if kind in {"checkbox", "radio"} else "")
    default = [value]
    if kind in {"checkbox", "radio"} and element.get("checked") is None:
        default = []
    numeric = kind in NUMBER_TYPES or element.get("inputmode") in {"numeric", "decimal"}
    return Control(name, kind, value, default, numeric)


def forms_of(page: str, html: str) -> list[Form]:
    doc = lxml.html.document_fromstring(html)
    skip = (reverse("accounts:logout"), reverse("accounts:care_mode"), "/i18n/")
    found = []
    for element in doc.xpath("//main//form"):
        if (element.get("method") or "get").lower() != "post":
            continue
        action = urljoin(page, element.get("action") or page)
        if urlsplit(action).netloc or urlsplit(action).path.startswith(skip):
            continue
        controls = [
            c
            for c in (_control(e) for e in element.xpath(".//input|.//select|.//textarea"))
            if c is not None
        ]
        buttons = [
            (b.get("name", ""), b.get("value", ""), urljoin(page, b.get("formaction") or action))
            for b in element.xpath(
                ".//button[not(@type) or @type='submit']|.//input[@type='submit']"
            )
            if b.get("name") or b.get("formaction")
        ]
        # File inputs are left out of every variant (variant 2 omits the files of an
        # upload form; the rest of its fields are still submitted).
        found.append(Form(page, action, controls, buttons))
    return found


def _signature(form: Form) -> tuple:
    path = re.sub(r"\d+", "N", urlsplit(form.action).path)
    return (path, tuple(sorted({(c.name, c.kind) for c in form.controls})))


def _junk(control: Control) -> str | None:
    """Variant 2's value for one control (None: leave it out)."""
    if control.kind == "file":
        return None
    if control.kind == "hidden":
        return control.value
    if control.numeric:
        return "abc"
    if control.kind in JUNK_BY_TYPE:
        return JUNK_BY_TYPE[control.kind]
    if control.kind in {"select", "radio", "checkbox"}:
        return "zzz"
    if control.kind in TEXT_TYPES:
        return LONG
    return "zzz"


def variants(form: Form) -> list[tuple[str, dict[str, list[str]]]]:
    def build(pick: Callable[[Control], list[str] | None]) -> dict[str, list[str]]:
        data: dict[str, list[str]] = {}
        for control in form.controls:
            values = pick(control)
            if values is not None:
                data.setdefault(control.name, [])
                data[control.name] = list(dict.fromkeys(data[control.name] + values))
        return data

    out = [
        (
            "empty",
            build(lambda c: None if c.kind == "file" else [c.value if c.kind == "hidden" else ""]),
        ),
        ("junk", build(lambda c: None if (v := _junk(c)) is None else [v])),
    ]
    if any(_id_like(c) for c in form.controls):
        for forged in ("999999999", "-1"):

            def pick(c: Control, forged: str = forged) -> list[str] | None:
                if c.kind == "file":
                    return None
                if _id_like(c):
                    return [forged]
                return c.default or None

            out.append((f"id={forged}", build(pick)))
    return out


def submissions(form: Form) -> list[tuple[str, str, str, str, dict[str, list[str]]]]:
    """(button, value, action, variant, data) for each submit button the form offers and
    each variant; a named button is also pressed with an unknown value in the junk one."""
    choices = form.buttons or [("", "", form.action)]
    out = []
    for button, value, action in choices:
        for variant, data in variants(form):
            out.append(
                (button, value, action, variant, {**data, button: [value]} if button else data)
            )
    for button, action in dict.fromkeys((b, a) for b, _, a in form.buttons if b):
        junk = dict(variants(form))["junk"]
        out.append((button, "zzz", action, "junk", {**junk, button: ["zzz"]}))
    return out


def submit(client: Client, action: str, data: dict[str, list[str]]) -> tuple[int, str, str]:
    """POST and roll back; returns (status, problem or "", exception summary or "")."""
    cookies = copy.deepcopy(client.cookies)
    outcome: tuple[int, str, str] = (0, "", "")
    # The probe's writes are rolled back: _Undo leaves the transaction, and is then dropped.
    with contextlib.suppress(_Undo), transaction.atomic():
        try:
            response = client.post(action, data)
        except Exception as exc:
            lines = traceback.format_exception(exc)
            tail = "".join(lines[-6:]).strip()
            outcome = (500, "exception", f"{type(exc).__name__}: {exc}\n{tail}")
        else:
            problem = ""
            if response.status_code >= 500:
                problem = "5xx"
            elif (
                response.status_code == 200
                and not response.streaming
                and not response.content.strip()
            ):
                problem = "200 with an empty body"
            outcome = (response.status_code, problem, "")
        raise _Undo
    client.cookies = cookies
    cache.clear()  # rate-limit counters: the next submission starts afresh
    return outcome


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_junk_into_every_form_is_answered(login, world: World, persona: str) -> None:
    build_data(world)
    client = login(persona)
    pages = walk(client).pages
    done: set[tuple] = set()
    forms: list[Form] = []
    for page, html in pages.items():
        for form in forms_of(page, html):
            if _signature(form) not in done:
                done.add(_signature(form))
                forms.append(form)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for form in forms:
        for button, value, action, variant, data in submissions(form):
            status, problem, exc = submit(client, action, data)
            statuses[status] += 1
            if problem:
                label = variant + (f" [{button}={value}]" if button else "")
                match = resolve(urlsplit(action).path)
                failures.append(
                    f"{persona} page={form.page} action={action} "
                    f"view={match.view_name} ({match._func_path}) variant={label} "
                    f"status={status} {problem}\n{exc}"
                )
    print(
        f"{persona}: {len(pages)} pages, {len(forms)} forms, "
        f"{statuses.total()} submissions, statuses {dict(sorted(statuses.items()))}"
    )
    assert forms, f"{persona}: no forms found"
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)
