# Type stubs of the loupe package (see __init__.py for the documentation).
import datetime
import os
from typing import Any, Iterator, Literal, Mapping, Optional, Sequence, Union

from loupe._errors import (CorruptionError as CorruptionError, IndexLocked as IndexLocked,
                           InvalidArgument as InvalidArgument, LoupeError as LoupeError,
                           NotFound as NotFound, QueryError as QueryError)

__version__: str
FORMAT_VERSION: int

_Path = Union[str, os.PathLike[str]]
_Day = Union[datetime.date, str, None]
_Sort = Optional[Literal["relevance", "date", "-date"]]

class Snippet:
    """The passages of an article's body that a query matched."""
    text: str
    highlights: list[tuple[int, int]]
    matched: bool
    def marked(self, before: str = "[", after: str = "]") -> str:
        """The text with each highlight wrapped in ``before`` and ``after``."""
        ...

class Document:
    """An article's stored fields."""
    id: str
    path: str
    title: str
    date: Optional[datetime.date]
    author: str
    actors: list[str]
    topics: list[str]
    language: str
    extra: dict[str, str]
    body: Optional[str]
    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (the form Index.add takes)."""
        ...

class Hit(Document):
    """One hit of a search: the article's stored fields (no body), score and snippet."""
    score: float
    snippet: Optional[Snippet]
    copies: int
    split: str

class SearchResult:
    """What Index.search found."""
    total: int
    total_exact: bool
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    next_cursor: Optional[str]
    query: str
    reading: str
    sort: str
    warnings: list[str]
    diagnostics: list[dict[str, Any]]
    resolved_dates: list[str]
    generation: int
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Hit]: ...
    def __getitem__(self, i: int) -> Hit: ...
    def to_pandas(self) -> Any:
        """The hits as a pandas DataFrame (needs python3-pandas)."""
        ...

class Explanation:
    """How a query is read and planned (Index.explain)."""
    query: str
    reading: str
    plan: dict[str, Any]
    plan_text: str
    sort: str
    diagnostics: list[dict[str, Any]]
    resolved_dates: list[str]
    document: Optional[dict[str, Any]]

class Index:
    """An open index or collection; made by loupe.open."""
    @property
    def path(self) -> str: ...
    @property
    def writable(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    @property
    def pending(self) -> int: ...
    def close(self) -> None:
        """Closes the index; changes not committed are dropped."""
        ...
    def __enter__(self) -> "Index": ...
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool: ...
    def search(self, query: str, limit: int = 10, *, offset: int = 0, sort: _Sort = None,
               after: Optional[str] = None, facets: Sequence[str] = (), facet_top: int = 10,
               snippets: bool = False, collapse: bool = False, now: _Day = None, lenient: bool = False,
               exact_total: bool = True) -> SearchResult:
        """Searches the last commit, as `loupe search` does."""
        ...
    def search_iter(self, query: str, *, sort: _Sort = None, page_size: int = 100, snippets: bool = False,
                    now: _Day = None, lenient: bool = False) -> Iterator[Hit]:
        """Every hit, fetched a page at a time through paging cursors."""
        ...
    def timeline(self, query: str, by: Literal["day", "week", "month", "year"] = "month", *, now: _Day = None,
                 lenient: bool = False) -> list[tuple[str, int]]:
        """The matches per period: a list of (period, count) in date order."""
        ...
    def explain(self, query: str, doc: Optional[str] = None, *, now: _Day = None,
                lenient: bool = False) -> Explanation:
        """How the query is read and planned; with doc, why that article scores what it does."""
        ...
    def document(self, id: str) -> Document:
        """The stored article with id ``id``; NotFound when there is none."""
        ...
    def stats(self) -> dict[str, Any]:
        """The index's counts."""
        ...
    def add(self, document: Mapping[str, Any]) -> None:
        """Queues an article (write=True); searchable after commit()."""
        ...
    def delete(self, id: str) -> None:
        """Queues the deletion of an article (write=True)."""
        ...
    def commit(self) -> None:
        """Writes what add and delete queued, atomically."""
        ...
    def rollback(self) -> None:
        """Drops what add and delete queued since the last commit."""
        ...

def open(path: _Path, write: bool = False, *, partition: Optional[Literal["month", "year", "none"]] = None,
         fold_diacritics: bool = False) -> Index:
    """Opens the index or collection in folder ``path``."""
    ...

def index_folder(db: _Path, folders: Union[_Path, Sequence[_Path]], *, progress: bool = False, delete: bool = True,
                 follow_symlinks: bool = False, partition: Optional[Literal["month", "year", "none"]] = None,
                 fold_diacritics: bool = False, tagging: bool = True) -> dict[str, Any]:
    """Indexes the articles in ``folders`` into ``db``, as `loupe index` does."""
    ...
