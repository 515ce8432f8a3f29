"""Schemas every router of the API shares: its error answers and the place an object
belongs to."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Schema

from sanxian.accounts.models import User


class ErrorOut(Schema):
    detail: str = Field(description="What was refused and why, in the user's language.")


class InvalidOut(Schema):
    detail: list[dict] = Field(description="The fields whose shape is wrong.")


# What any endpoint may answer besides success: a rule refused it, no valid token, nothing
# there (or nothing the token's owner may see), a malformed request.
ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: InvalidOut}


class PlaceRef(Schema):
    id: int
    name: str
    kind: str = Field(description="neighborhood, block, building, building_group or household.")


def token_user(request: HttpRequest) -> User:
    """The owner of the request's token (the API authenticates every operation)."""
    user = request.user
    assert isinstance(user, User)
    return user
