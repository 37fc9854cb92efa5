"""The NinjaAPI instance; each app adds its own Router."""

from ninja import NinjaAPI

api = NinjaAPI(title="Visitline API", version="1", urls_namespace="api")
