"""Bus errors as typed exceptions, each carrying the bus's error kind.

The bus reports one set of kinds (malformed, not_found, timeout, too_large, over_limit, not_ready,
internal, ...) over every protocol: as an HTTP status with a JSON body on REST, as a Connect
error code on Connect, as a gRPC status on gRPC, and as an MLflow `error_code` on the tracking
API. `error_from_*` turn each into the same exception classes.
"""

import json

__all__ = [
    "BusError", "MalformedError", "NotFoundError", "TimeoutError", "TooLargeError",
    "OverLimitError", "NotReadyError", "InternalError", "AlreadyExistsError",
    "UnauthenticatedError", "PermissionDeniedError",
    "error_from_http", "error_from_connect", "error_from_grpc", "error_from_mlflow",
]


class BusError(Exception):
    """A refusal or failure reported by the bus.

    kind: the bus's error kind ("malformed", "not_found", ...); status: the HTTP status (or
    None); details: the machine-readable particulars the bus sent; retry_after_s: when given.
    """

    kind = "internal"

    def __init__(self, message, status=None, details=None, retry_after_s=None, body=b""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details or []
        self.retry_after_s = retry_after_s
        self.body = body


class MalformedError(BusError):
    kind = "malformed"


class NotFoundError(BusError):
    kind = "not_found"


class TimeoutError(BusError):  # noqa: A001 - the bus's kind name, scoped to this module
    kind = "timeout"


class TooLargeError(BusError):
    kind = "too_large"


class OverLimitError(BusError):
    kind = "over_limit"


class NotReadyError(BusError):
    kind = "not_ready"


class InternalError(BusError):
    kind = "internal"


class AlreadyExistsError(BusError):
    kind = "already_exists"


class UnauthenticatedError(BusError):
    """No token, or one the bus does not know: pass `token=` or set $JIMBOT_TOKEN."""
    kind = "unauthenticated"


class PermissionDeniedError(BusError):
    """The token lacks the scope this call needs (or the thing belongs to another identity)."""
    kind = "permission_denied"


_BY_KIND = {c.kind: c for c in (MalformedError, NotFoundError, TimeoutError, TooLargeError,
                                 OverLimitError, NotReadyError, InternalError,
                                 AlreadyExistsError, UnauthenticatedError, PermissionDeniedError)}

# The bus's HTTP status for each kind (src/errors.ts), read backwards.
_HTTP = {400: "malformed", 401: "unauthenticated", 403: "permission_denied", 404: "not_found", 405: "malformed", 408: "timeout", 413: "too_large",
         415: "malformed", 429: "over_limit", 431: "too_large", 503: "not_ready", 500: "internal"}

_CONNECT = {"invalid_argument": "malformed", "not_found": "not_found", "unimplemented": "malformed",
            "deadline_exceeded": "timeout", "resource_exhausted": "over_limit",
            "unavailable": "not_ready", "internal": "internal", "already_exists": "already_exists",
            "failed_precondition": "malformed", "aborted": "over_limit",
            "unauthenticated": "unauthenticated", "permission_denied": "permission_denied"}

_MLFLOW = {"INVALID_PARAMETER_VALUE": "malformed", "BAD_REQUEST": "malformed",
           "RESOURCE_DOES_NOT_EXIST": "not_found", "ENDPOINT_NOT_FOUND": "not_found",
           "RESOURCE_ALREADY_EXISTS": "already_exists", "RESOURCE_EXHAUSTED": "over_limit",
           "INTERNAL_ERROR": "internal"}


def _make(kind, message, **kwargs):
    return _BY_KIND.get(kind, InternalError)(message, **kwargs)


def _json(body):
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def error_from_http(status, body, retry_after=None):
    """A REST answer `{"status":"error","error":...,"details":[...]}` with its HTTP status."""
    parsed = _json(body)
    if "error_code" in parsed:
        return error_from_mlflow(status, body)
    message = parsed.get("error") or f"bus answered {status}: {body[:200]!r}"
    retry = float(retry_after) if retry_after else None
    return _make(_HTTP.get(status, "internal" if status >= 500 else "malformed"), message,
                 status=status, details=parsed.get("details"), retry_after_s=retry, body=body)


def error_from_connect(status, body):
    """A Connect error body `{"code": "not_found", "message": ...}`."""
    parsed = _json(body)
    kind = _CONNECT.get(parsed.get("code", ""), _HTTP.get(status, "internal"))
    return _make(kind, parsed.get("message") or f"bus answered {status}", status=status,
                 details=parsed.get("details"), body=body)


def error_from_mlflow(status, body):
    """A tracking API error `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": ...}`."""
    parsed = _json(body)
    code = parsed.get("error_code", "INTERNAL_ERROR")
    error = _make(_MLFLOW.get(code, "internal"), parsed.get("message") or code, status=status,
                  body=body)
    error.error_code = code
    return error


def error_from_grpc(rpc_error):
    """A grpc.RpcError (its status code name, e.g. NOT_FOUND) as a BusError."""
    code = rpc_error.code()
    name = getattr(code, "name", str(code)).lower()
    return _make(_CONNECT.get(name, "internal"), rpc_error.details() or name)
