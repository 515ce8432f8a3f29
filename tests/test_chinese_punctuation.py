"""Chinese pages use Chinese punctuation: a label's colon after Chinese text is the
full-width "：" (议题：, 网格：第1网格), never an ASCII ":" — on every page each persona is
offered, form labels included."""

from __future__ import annotations

import re

import lxml.html
import pytest

from tests.crawl import PERSONAS, build_data, walk
from tests.world import World

ASCII_COLON_AFTER_HAN = re.compile(r"[\u4e00-\u9fff）》」][ \t]*:(?!//)")


def visible_text(html: str) -> str:
    root = lxml.html.fromstring(html)
    for node in root.xpath("//script|//style|//template"):
        node.drop_tree()
    return root.text_content()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_no_ascii_colon_after_chinese_text(login, world: World, persona: str) -> None:
    build_data(world)
    pages = walk(login(persona)).pages
    found = {
        url: sorted({m.string[max(0, m.start() - 12) : m.end() + 8] for m in hits})
        for url, html in pages.items()
        if (hits := list(ASCII_COLON_AFTER_HAN.finditer(visible_text(html))))
    }
    assert len(pages) > 3
    assert not found, found
