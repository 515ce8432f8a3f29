"""Password rules beyond Django's own validators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    """How many of the four kinds a password mixes: lowercase, uppercase, digits, symbols
    (anything else, including spaces and Chinese characters)."""
    kinds = set()
    for char in password:
        if char.islower():
            kinds.add("lower")
        elif char.isupper():
            kinds.add("upper")
        elif char.isdigit():
            kinds.add("digit")
        else:
            kinds.add("symbol")
    return len(kinds)


class CharacterClassValidator:
    """At least ``min_length`` characters mixing at least ``min_classes`` of the four kinds."""

    def __init__(self, min_length: int = 8, min_classes: int = 3) -> None:
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length or character_classes(password) < self.min_classes:
            raise ValidationError(self.message(), code="password_too_simple")

    def message(self) -> str:
        return _(
            "A password needs at least %(min_length)d characters and at least %(min_classes)d "
            "of these four kinds: lowercase letters, uppercase letters, digits, symbols."
        ) % {"min_length": self.min_length, "min_classes": self.min_classes}

    def get_help_text(self) -> str:
        return self.message()
