"""Exceptions, named and numbered as in the official client's `aerospike.exception`.

Every error is a `scramjet.Error` (also reachable as `AerospikeError`) with `.code` (the
result code: server codes are positive, client codes negative) and `.msg`.
"""


class Error(Exception):
    """Base of every Scramjet client error."""

    code = None

    def __init__(self, code, msg):
        super().__init__(code, msg)
        self.code = code
        self.msg = msg
        self.in_doubt = False

    def __str__(self):
        return f"({self.code}) {self.msg}"


AerospikeError = Error


class ClientError(Error):
    code = -1


class ParamError(ClientError):
    code = -2


class InvalidHostError(ClientError):
    code = -4


class ClientAbortError(ClientError):
    code = -5


class NoMoreConnectionsError(ClientError):
    code = -7


class InvalidNodeError(ClientError):
    code = -8


class ConnectionError(ClientError):  # noqa: A001 - the official client's name
    code = -10


class ServerError(Error):
    code = 1


class RecordError(ServerError):
    pass


class RecordNotFound(RecordError):
    code = 2


class RecordGenerationError(RecordError):
    code = 3


class InvalidRequest(ServerError):
    code = 4


class RecordExistsError(RecordError):
    code = 5


class BinExistsError(RecordError):
    code = 6


class ServerFull(ServerError):
    code = 8


class TimeoutError(Error):  # noqa: A001 - the official client's name
    code = 9


class ClusterError(ServerError):
    code = 11


class BinIncompatibleType(RecordError):
    code = 12


class RecordTooBig(RecordError):
    code = 13


class RecordBusy(RecordError):
    code = 14


class ScanAbortedError(ServerError):
    code = 15


class UnsupportedFeature(ServerError):
    code = 16


class UDFError(ServerError):
    """A UDF failed: a Lua error (the message is Lua's), or a module that does not compile
    or cannot load."""
    code = 100


class BinNotFound(RecordError):
    code = 17


class DeviceOverload(ServerError):
    code = 18


class RecordKeyMismatch(RecordError):
    code = 19


class NamespaceNotFound(ServerError):
    code = 20


class BinNameError(RecordError):
    code = 21


class ForbiddenError(ServerError):
    code = 22


class ElementNotFoundError(ServerError):
    """A list or map element does not exist (e.g. a map update-only write of a new key)."""

    code = 23


class ElementExistsError(ServerError):
    """A list or map element exists (list add-unique, map create-only writes)."""

    code = 24


class OpNotApplicable(ServerError):
    """A list or map operation does not apply (e.g. an index out of range)."""

    code = 26


class FilteredOut(ServerError):
    code = 27


class SecurityNotSupported(ServerError):
    code = 51


class SecurityNotEnabled(ServerError):
    code = 52


class AdminError(ServerError):
    """A refused user or role command, or a refused login (the official client's
    `aerospike.exception.AdminError` family)."""


class InvalidUser(AdminError):
    code = 60


class UserExistsError(AdminError):
    code = 61


class InvalidPassword(AdminError):
    code = 62


class InvalidCredential(AdminError):
    code = 65


class ExpiredSession(AdminError):
    code = 66


class InvalidRole(AdminError):
    code = 70


class RoleExistsError(AdminError):
    code = 71


class InvalidPrivilege(AdminError):
    code = 72


class InvalidWhitelist(AdminError):
    code = 73


class QuotasNotEnabled(AdminError):
    code = 74


class InvalidQuota(AdminError):
    code = 75


class NotAuthenticated(AdminError):
    code = 80


class RoleViolation(AdminError):
    code = 81


class NotWhitelisted(AdminError):
    code = 82


class QuotaExceeded(AdminError):
    code = 83


_BY_CODE = {cls.code: cls for cls in list(globals().values())
            if isinstance(cls, type) and issubclass(cls, Error) and isinstance(cls.code, int)}


def from_code(code, msg):
    """The exception for result `code`: the most specific class, else ServerError (> 0) or
    ClientError (< 0)."""
    cls = _BY_CODE.get(code) or (ServerError if code > 0 else ClientError)
    return cls(code, msg)
