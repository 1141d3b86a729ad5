"""One registry for everything a keyword refers to by name: clients, streams, fakes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from .errors import UsageError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named items and the current one, as Robot's ``ConnectionCache`` keeps connections.

    ``empty`` is the sentence for "nothing has been opened yet"; ``unknown`` is the one for
    a name that is not there, with ``{name}`` and ``{known}`` filled in. Every keyword
    that looks an item up goes through :meth:`get`, so those sentences live here only.
    """

    def __init__(self, empty: str, unknown: str) -> None:
        self._items: dict[str, T] = {}
        self.current: str | None = None
        self._empty = empty
        self._unknown = unknown

    def add(self, name: str, item: T, current: bool = True) -> None:
        """Register ``item`` under ``name`` (replacing one of that name); it becomes current
        unless ``current`` is false (and something else is)."""
        self._items[name] = item
        if current or self.current is None:
            self.current = name

    def get(self, name: str | None = None) -> T:
        """The item called ``name``, or the current one; a sentence if there is none."""
        return self._items[self.resolve(name)]

    def resolve(self, name: str | None = None) -> str:
        """The name of an existing item: ``name`` itself, or the current one's."""
        if not self._items:
            raise UsageError(self._empty)
        key = self.current if name is None else name
        if key not in self._items:
            known = ", ".join(sorted(self._items))
            raise UsageError(self._unknown.format(name=key, known=known))
        return key

    def find(self, name: str) -> T | None:
        return self._items.get(name)

    def pop(self, name: str) -> T:
        """Remove ``name``; if it was current, the first one left becomes current."""
        item = self._items.pop(name)
        if self.current == name:
            self.current = next(iter(self._items), None)
        return item

    def names(self) -> list[str]:
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def values(self) -> list[T]:
        return list(self._items.values())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)
