"""Every dashboard chart is an image with a name, described as having its numbers in the
table right after it, and that table is in the page as served: a person who cannot see the
chart, or whose browser runs no script, reads the same numbers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.urls import reverse

from sanxian.dashboards.services import refresh_all
from tests.dashboards.test_views import some_data
from tests.world import World

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def content(self) -> str:
        """The element's text with its descendants', spaces squeezed."""
        parts = [*self.text, *(c.content() for c in self.children)]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def walk(self):  # type: ignore[no-untyped-def]
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self):  # type: ignore[no-untyped-def]
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text.append(data)


def parse(html: str) -> list[Node]:
    tree = _Tree()
    tree.feed(html)
    return list(tree.root.walk())


def test_every_chart_is_a_named_image_tied_to_a_table_with_its_numbers(world: World, login) -> None:
    some_data(world)
    refresh_all()
    client = login("admin")
    client.cookies["sanxian_language"] = "en"
    html = client.get(reverse("dashboards:place", args=[world.subdistrict.pk])).text
    island = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html)
    assert island is not None
    data = json.loads(island.group(1))
    nodes = parse(html)
    by_id = {n.attrs["id"]: n for n in nodes if "id" in n.attrs}
    charts = [n for n in nodes if "data-chart" in n.attrs]
    keys = {c.attrs["data-chart"] for c in charts}
    # The sub-district's dashboard draws all of them, the monthly cycle's included.
    assert {"states", "stages", "rates", "index", "meetings", "attendance"} <= keys, keys
    assert {"trend-yi", "trend-xing", "trend-lin", "trend-qin", "volunteers"} <= keys, keys

    for chart in charts:
        key = chart.attrs["data-chart"]
        figure = next(a for a in chart.ancestors() if a.tag == "figure")
        caption = by_id[f"cap-{key}"].content()
        assert caption, key
        # An image whose name says what it shows.
        assert chart.attrs.get("role") == "img", key
        assert chart.attrs.get("aria-label") == f"Chart: {caption}", chart.attrs
        # Hidden until the script draws it: without scripts only the table stands.
        assert "hidden" in chart.attrs, key
        # Described as having its numbers in the table right after it.
        described = [by_id[i] for i in chart.attrs["aria-describedby"].split()]
        assert any("table right after the chart" in d.content() for d in described), key
        after = nodes[nodes.index(chart) + 1 :]
        table = next(n for n in after if n.tag == "table")
        assert table.attrs["id"] == f"table-{key}", key
        assert figure in list(table.ancestors()), key
        assert not any(
            n.tag == "div" and "data-chart" in n.attrs for n in after[: after.index(table)]
        )
        # The table is named, and its scrolling wrapper can be reached with the keyboard.
        table_caption = next(n for n in table.children if n.tag == "caption")
        assert table_caption.content() == f"Table: {caption}"
        region = table.parent
        assert region is not None and "table-scroll" in region.attrs.get("class", "")
        assert region.attrs.get("role") == "region" and region.attrs.get("tabindex") == "0"
        assert by_id[region.attrs["aria-labelledby"]] is table_caption
        # The table holds the numbers the chart draws, row by row.
        body = next(n for n in table.children if n.tag == "tbody")
        rows = [
            [cell.content() for cell in row.children if cell.tag in ("th", "td")]
            for row in body.children
            if row.tag == "tr"
        ]
        spec = data[key]
        if spec["rows"]:
            assert rows == [[str(v) for v in r] for r in spec["rows"]], key
            assert len(spec["categories"]) == len(rows), key
        else:
            assert rows == [["Nothing to count in this period."]], key
    # The figures asked of the test data are in the tables as served.
    states = dict(r[:2] for r in data["states"]["rows"])
    assert states["Think first"] == "1"
