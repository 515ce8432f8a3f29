"""Dates the way the activity pages show them: 12月31日 周四 17:30 (Thu 31 Dec 17:30 in
English), with the year only when it is not this year's."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone, translation
from django.utils.formats import date_format

register = template.Library()

ZH_WEEKDAYS = "一二三四五六日"


def _day(value: datetime) -> str:
    local = timezone.localtime(value)
    this_year = local.year == timezone.localdate().year
    if (translation.get_language() or "").startswith("zh"):
        year = "" if this_year else f"{local.year}年"
        return f"{year}{local.month}月{local.day}日 周{ZH_WEEKDAYS[local.weekday()]}"
    return date_format(local, "D j M" if this_year else "D j M Y")


@register.filter
def when(value: datetime | None) -> str:
    """12月31日 周四 17:30"""
    if value is None:
        return ""
    return f"{_day(value)} {timezone.localtime(value):%H:%M}"


@register.filter
def when_range(start: datetime | None, end: datetime | None) -> str:
    """12月31日 周四 17:30–20:00 (the end's date too when it is another day)."""
    if start is None:
        return ""
    if end is None:
        return when(start)
    a, b = timezone.localtime(start), timezone.localtime(end)
    if a.date() == b.date():
        return f"{when(start)}–{b:%H:%M}"
    return f"{when(start)} – {when(end)}"
