"""Domain errors raised by services when a rule is broken (views turn them into messages)."""

from __future__ import annotations


class DomainError(Exception):
    """A broken business rule; ``message`` is translated and safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
