# Type stubs of loupe.distributed (tools/python/loupe/distributed.py).
import os
from typing import Any, Iterator, Sequence

from loupe import Document, Explanation, Hit, LoupeError, SearchResult

MANIFEST_FORMAT: str
BUILD_FORMAT: str

class MissingSplits(LoupeError):
    """Splits no live worker holds: the search could not run on them."""
    missing: list[str]
    def __init__(self, message: str, missing: Sequence[str] = ...) -> None: ...

class DistributedSearchResult(SearchResult):
    """A SearchResult of a Collection, with partial and missing."""
    partial: bool
    missing: list[str]

def manifest_for(path: str | os.PathLike[str], client: Any = ..., *, replicas: int = ...,
                 workers: Sequence[str] | None = ...) -> dict[str, Any]:
    """A manifest serving the index or collection in folder ``path`` from Dask workers that all see it."""
    ...

class Collection:
    """A collection served by a Dask cluster: its splits held open by one actor per worker."""
    def __init__(self, client: Any, manifest: dict[str, Any] | str | os.PathLike[str], *,
                 timeout: float = ...) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Collection: ...
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool: ...
    @property
    def splits(self) -> list[str]: ...
    def holders(self) -> dict[str, list[str]]: ...
    def search(self, query: str, limit: int = ..., *, offset: int = ..., sort: str | None = ...,
               after: str | None = ..., facets: Sequence[str] = ..., facet_top: int = ..., snippets: bool = ...,
               now: Any = ..., lenient: bool = ..., allow_partial: bool = ...,
               timeout: float | None = ...) -> DistributedSearchResult: ...
    def search_iter(self, query: str, *, sort: str | None = ..., page_size: int = ..., snippets: bool = ...,
                    now: Any = ..., lenient: bool = ..., allow_partial: bool = ...,
                    timeout: float | None = ...) -> Iterator[Hit]: ...
    def count(self, query: str, *, now: Any = ..., lenient: bool = ..., allow_partial: bool = ...,
              timeout: float | None = ...) -> int: ...
    def timeline(self, query: str, by: str = ..., *, now: Any = ..., lenient: bool = ..., allow_partial: bool = ...,
                 timeout: float | None = ...) -> list[tuple[str, int]]: ...
    def document(self, id: str, *, allow_partial: bool = ..., timeout: float | None = ...) -> Document: ...
    def explain(self, query: str, *, now: Any = ..., lenient: bool = ..., allow_partial: bool = ...,
                timeout: float | None = ...) -> Explanation: ...

class BuildReport:
    """What loupe.distributed.build did: the manifest, the splits built and kept, their articles."""
    manifest: dict[str, Any]
    built: list[str]
    kept: list[str]
    documents: dict[str, int]
    workers: dict[str, str]
    skipped: list[tuple[str, str]]
    warnings: list[tuple[str, str]]
    seconds: float

def build(client: Any, paths_or_bag: Any, out: str | os.PathLike[str], partition: str = ..., *,
          replicas: int = ..., follow_symlinks: bool = ..., timeout: float | None = ...) -> BuildReport:
    """Builds a collection on a Dask cluster: articles routed to splits by date, each split written by one worker."""
    ...
