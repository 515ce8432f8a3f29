from __future__ import annotations

from django import template

from sanxian.dashboards.selectors import Rate

register = template.Library()


@register.filter
def pct(value: object) -> str:
    """A rate or a percentage as "83.3%", or "—" when there is nothing to count."""
    if isinstance(value, Rate):
        value = value.percent
    if value is None:
        return "—"
    assert isinstance(value, int | float)
    return f"{value:g}%"


@register.filter
def part(rate: Rate) -> str:
    """ "5 / 6" for a rate."""
    return f"{rate.numerator} / {rate.denominator}"


@register.filter
def days(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
