"""The exceptions of the loupe package.

Every error the engine reports is a LoupeError; the subclasses say what kind.
Each carries ``code`` (the engine's status name, e.g. ``"query error"``) and
``message`` (what went wrong, where, and what to do about it).
"""


class LoupeError(Exception):
    """An error reported by the Loupe engine.

    Attributes:
        code: the engine's status name: "not found", "invalid argument",
            "query error", "corruption", "version mismatch", "I/O error",
            "locked" or "internal error".
        message: what went wrong, without the context the str() adds.
    """

    code = "internal error"
    message = ""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message


class QueryError(LoupeError, ValueError):
    """A query that cannot run as written (also a ValueError).

    Attributes:
        query: the query text.
        offset: where the fault starts, in characters of ``query`` (a str
            index), or None when it has no place.
        length: how many characters it covers (0: a point, e.g. the end).
        fix: the known repair as a dict ``{"offset", "length", "text",
            "query"}`` (``query``: the whole query repaired), or None.
        diagnostics: every error and warning compiling the query gave, as
            dicts ``{"severity", "offset", "length", "message", "fix"}``.
    """

    code = "query error"
    query = ""
    offset = None
    length = 0
    fix = None
    diagnostics = ()

    def __str__(self):
        text = self.args[0] if self.args else self.message
        if self.query and self.offset is not None:
            text += "\n  " + self.query + "\n  " + " " * self.offset + "^" * max(1, self.length)
        if self.fix:
            text += "\n  did you mean: " + self.fix["query"]
        return text


class IndexLocked(LoupeError):
    """Another writer holds the index (in this or another process).

    Only one writer may exist per index; the message names the process
    holding it ("index is locked by pid N"). Close that writer, or wait.
    """

    code = "locked"


class CorruptionError(LoupeError):
    """The index files are damaged, or the folder is not a Loupe index."""

    code = "corruption"


class NotFound(LoupeError, LookupError):
    """The named index or document does not exist (also a LookupError)."""

    code = "not found"


class InvalidArgument(LoupeError, ValueError):
    """The engine refused an argument (also a ValueError), e.g. a paging
    cursor made for another query or index."""

    code = "invalid argument"
