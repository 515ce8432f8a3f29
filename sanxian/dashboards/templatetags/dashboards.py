from __future__ import annotations

from django import template

from sanxian.dashboards.selectors import Rate, Target

register = template.Library()


@register.filter
def pct(value: object) -> str:
    """A rate or a percentage as "83.3%", or "—" when there is nothing to count."""
    if isinstance(value, Rate | Target):
        value = value.percent
    if value is None:
        return "—"
    assert isinstance(value, int | float)
    return f"{value:g}%"


@register.filter
def part(rate: Rate | Target) -> str:
    """ "5 / 6" for a rate; "15 / 2025.6" (amount / target) for an amount against a target."""
    if isinstance(rate, Target):
        return f"{round(rate.amount, 2):g} / {round(rate.target, 2):g}"
    return f"{rate.numerator} / {rate.denominator}"


@register.filter
def num(value: float | None) -> str:
    """A number without trailing zeros, or "—" when there is nothing to count."""
    return "—" if value is None else f"{value:g}"


@register.filter
def days(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


@register.filter
def get(mapping: object, key: str) -> object:
    """``charts|get:"trend-yi"`` (keys with dashes); a measure's value for ``Measures``."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    getter = getattr(mapping, "get", None)
    return getter(key) if callable(getter) else None
