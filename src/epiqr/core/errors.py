"""Errors that services raise for bad input or a refused action; views and the API turn them into 4xx."""


class ServiceError(Exception):
    """A request the service refuses, with a message meant for the person who made it."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict:
        body = {"detail": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class BadRequest(ServiceError):
    """The request itself cannot be read (malformed JSON, NUL characters, lone surrogates, too deep)."""

    status = 400
    code = "bad_request"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
