"""The two formats of Open311 GeoReport v2: JSON and XML, with the spec's error shape.

Every answer is a list: ``[{…}, …]`` in JSON, ``<services><service>…</service></services>``
in XML (element names per the spec); errors are ``[{"code": 400, "description": "…"}]`` /
``<errors><error><code>400</code><description>…</description></error></errors>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse, JsonResponse
from django.utils import timezone

FORMATS = ("json", "xml")
# Names of the elements a list's items get in XML, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return str(value)


def w3c(value: datetime) -> str:
    """A time the way the spec writes it (W3C / ISO 8601 with its offset), in Beijing
    time: 2026-11-29T15:30:00+08:00."""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _element(name: str, value: Any) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(ITEM_NAMES.get(name, "item"), child))
    else:
        element.text = _text(value)
    return element


def render(fmt: str, root: str, items: list[dict] | dict, *, status: int = 200) -> HttpResponse:
    """``items`` as the answer: a list under ``root`` (XML), or one object (a service
    definition)."""
    if fmt == "json":
        return JsonResponse(_json_value(items), safe=False, status=status)
    tree = _element(root, items)
    body = ET.tostring(tree, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)
