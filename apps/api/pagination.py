from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 100


class Page(LimitOffsetPagination):
    """limit/offset on every list; the limit is bounded so no call reads a whole table."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=1_000_000)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


T = TypeVar("T", bound=Model)
R = TypeVar("R")


class Mapped(Generic[T, R]):
    """A queryset seen through a conversion: the paginator slices it, each row of the page converts.

    Lets a handler return its output schema built by one function for a
    single object and for a page alike.
    """

    def __init__(self, queryset: QuerySet[T], convert: Callable[[T], R]) -> None:
        self.queryset = queryset
        self.convert = convert

    def all(self) -> QuerySet[T]:
        return self.queryset.all()

    def __getitem__(self, page: slice) -> list[R]:
        return [self.convert(row) for row in self.queryset[page]]
