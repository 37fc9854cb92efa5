"""The NinjaAPI instance; each app adds its own Router."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from apps.api import problems
from apps.api.parser import LimitedParser

DESCRIPTION = """The Visitline integration API: rosters from the prison's records, bookings
from call centres. Authenticate with `Authorization: Bearer <token>`; every error is an
RFC 9457 problem (`application/problem+json`). See docs/api.md in the repository."""


class VisitlineAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        app = operation.view_func.__module__.split(".")[1]
        return f"{app}_{operation.view_func.__name__}"

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        """Problems are documented with the content type they are sent with."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[problems.CONTENT_TYPE] = content.pop("application/json")
        return schema


api = VisitlineAPI(
    title="Visitline API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    parser=LimitedParser(),
)
problems.register(api)


def _add_routers() -> None:
    from apps.api.routers.bookings import router as bookings
    from apps.api.routers.facilities import router as facilities
    from apps.api.routers.people import router as people

    api.add_router("", facilities)
    api.add_router("", bookings)
    api.add_router("", people)


_add_routers()
