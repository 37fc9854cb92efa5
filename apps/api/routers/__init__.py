"""The API's routers, one per part of the domain, over that part's services and selectors."""
