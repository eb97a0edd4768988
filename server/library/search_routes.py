"""REST for search across boards (``search.py`` says how it scales)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.accounts.auth import require_login
from server.accounts.http import ApiError
from server.library import search
from server.library.access import (
    manages_hub,
    node_of,
    refusals,
)

# --- search -----------------------------------------------------------------------------


def _search_cache(request: Request) -> search.SearchCache:
    """The node's search cache, made on first use (one per worker process)."""
    cache: search.SearchCache | None = getattr(request.app.state, "library_search", None)
    if cache is None:
        cache = search.SearchCache(node_of(request).settings.library_search_cache)
        request.app.state.library_search = cache
    return cache


@refusals
async def search_boards(request: Request) -> Response:
    """``GET /api/library/search?q=<words>[&hub=<slug>]``: cards, comments
    and notes that hold every word. With ``hub`` (coordinators and admins):
    the hub's boards; else the caller's own boards, archived ones too. An
    owner or coordinator sees the whole board, so the whole board is
    searched; nobody else searches here."""
    who = await require_login(request, write=False)
    node = node_of(request)
    query = request.query_params.get("q", "")
    if not 0 < len(query) <= 200:
        raise ApiError(422, "invalid", "q: 1 to 200 characters")
    hub = request.query_params.get("hub")
    settings = node.settings
    if hub:
        if not await manages_hub(request, who, hub):
            raise ApiError(403, "forbidden", "only the hub's coordinators search its boards")
        from server.hubs.store import HubStore  # the hubs' own index of their boards

        ids = [b for b, _public in await HubStore(node.redis).boards(hub)]
    else:
        index = node.accounts.boards
        mine = [*await index.owned(who.account.username, archived=False)]
        mine += await index.owned(who.account.username, archived=True)
        ids = [i.board for i in mine]
    hits = await search.search(
        node.store, _search_cache(request), ids[: settings.library_search_boards], query,
        limit=settings.library_search_results,
    )  # fmt: skip
    return JSONResponse(
        {"query": query, "boards": min(len(ids), settings.library_search_boards),
         "hits": [h.public() for h in hits]},
        headers={"cache-control": "no-store"},
    )  # fmt: skip
