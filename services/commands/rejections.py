"""Why a command was refused, in terms the HTTP layer maps to problem documents."""

from __future__ import annotations


class Rejection(Exception):
    status = 422
    title = "Invalid request"

    def __init__(self, field: str, message: str, **members: object) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.members = members


class Invalid(Rejection):
    status = 422
    title = "Invalid request"


class Conflict(Rejection):
    status = 409
    title = "Conflict"


class NotFound(Rejection):
    status = 404
    title = "Not found"
