"""The zh_Hans catalogue is complete and every translation keeps its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "sanxian/locale/zh_Hans/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def test_every_message_is_translated() -> None:
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert len(catalogue.translated_entries()) > 200


def test_translations_keep_placeholders() -> None:
    catalogue = polib.pofile(str(PO))
    broken = []
    for entry in catalogue.translated_entries():
        expected = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            expected |= set(PLACEHOLDER.findall(entry.msgid_plural))
            translations = list(entry.msgstr_plural.values())
        else:
            translations = [entry.msgstr]
        for text in translations:
            if set(PLACEHOLDER.findall(text)) != expected:
                broken.append((entry.msgid, text))
    assert not broken, broken
