"""What every ledger class does with its one database connection: close it, also at
the end of a `with` block."""

from __future__ import annotations

from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar


class _Closable(Protocol):
    def close(self) -> None: ...


Database = TypeVar("Database", bound=_Closable)


class OneConnection(Generic[Database]):
    """Base of the ledger classes; a subclass sets ``_database`` in its ``__init__``."""

    _database: Database

    def close(self) -> None:
        self._database.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
