"""REST for vraag en aanbod: the hub's wall, the wall across hubs, and
setting the state of questions and offers (a suggested pair → matched).

* ``GET /api/hubs/{slug}/market`` — the hub's questions and offers with
  matching suggestions. Everyone sees the hub's public boards; the hub's
  managers (``server.hubs.routes.manages``) all of its boards. Archived
  boards are left out (finished projects are the library's). Every board
  is read as a viewer sees it (``wall``): no pending or hidden card.
* ``GET /api/market`` — the same across every hub's public boards.
* ``POST /api/market/state`` — ``{state, cards: [{board, card, token?,
  identity?}, …1-2]}``: a ``card.set {state}`` on each card's board, with
  the caller's rights there: a link token of that board (a participant is
  the author only with the ``identity`` the board gave them), or an account
  that owns the board, manages its hub or sees every board (facilitator).
  Every card is checked (``protocol.policy.check``) before any is changed:
  one refusal changes nothing.

Query filters of the walls (``wall.keep``): ``state`` (``open`` = open and
not expired, ``matched``, ``resolved``, ``expired``, ``all``: the default),
``tag`` (normalised like a card's), ``kind`` (``question``/``offer``).
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from protocol import codec
from protocol.messages import Role
from protocol.ops import CardSet, CardStatus, normalize_tag
from protocol.policy import check
from protocol.visibility import Viewer, sees_card
from server.abuse import Limit
from server.access import Refused
from server.accounts.auth import Caller, caller, check_write, ip_of, limit, node_of, refusals
from server.accounts.http import ApiError, read_json
from server.engine.links import BoardGone
from server.engine.state import read_state
from server.engine.store import BoardNotFound, now_ms
from server.hubs.model import SLUG_RE, Hub
from server.hubs.routes import hubs_of, manages
from server.market import wall
from server.market.matching import KINDS, Item, suggest
from server.node import Node
from server.routes.api import board_links

_STATES = ("all", "open", "matched", "resolved", "expired")
#: A card's states (SPEC §4 *Card fields*).
CARD_STATES: tuple[str, ...] = get_args(CardStatus)


def _cache(request: Request) -> wall.WallCache:
    """The node's wall cache, made on first use (one per worker process)."""
    cache: wall.WallCache | None = getattr(request.app.state, "market_wall", None)
    if cache is None:
        cache = wall.WallCache(node_of(request).settings.market_cache)
        request.app.state.market_wall = cache
    return cache


@dataclass(frozen=True, slots=True)
class _Filters:
    state: str
    tag: str
    kind: str


def _filters(request: Request) -> _Filters:
    q = request.query_params
    state = q.get("state", "all")
    if state not in _STATES:
        raise ApiError(422, "invalid", f"state: one of {', '.join(_STATES)}")
    kind = q.get("kind", "")
    if kind and kind not in KINDS:
        raise ApiError(422, "invalid", "kind: question or offer")
    raw_tag = q.get("tag", "")
    tag = normalize_tag(raw_tag) if raw_tag else ""
    if raw_tag and not tag:
        raise ApiError(422, "invalid", "tag: not a tag")
    return _Filters(state, tag, kind)


async def _listed(node: Node, board: str) -> bool:
    info = await node.accounts.boards.info(board)
    return info is not None and not info.archived


_Gathered = list[tuple[wall.Entry, str, str]]


async def _gather(request: Request, boards: list[tuple[str, str]]) -> _Gathered:
    """Each listed board's entries with its hub and viewer link; reused for
    ``market_wall_ttl_s`` (``WallCache.recent``)."""
    node = node_of(request)
    cache = _cache(request)
    base = str(request.base_url).rstrip("/")
    key = base + "|" + ",".join(f"{b}@{s}" for b, s in boards)
    started = time.monotonic()
    hit: _Gathered | None = cache.recent(key, started, node.settings.market_wall_ttl_s)
    if hit is not None:
        return hit
    gathered: _Gathered = []
    for board, slug in boards:
        if not await _listed(node, board):
            continue
        found = await cache.board(node.store, board)
        if not found:
            continue
        try:
            links = await node.links.read(board)
        except BoardGone:
            continue
        link = board_links(base, board, links.join_code or "", node, links)["viewer"]
        gathered += [(e, slug, link) for e in found]
    cache.remember(key, started, gathered)
    return gathered


async def _answer(
    request: Request, boards: list[tuple[str, str]], hub: Hub | None, *, may_manage: bool
) -> Response:
    """The wall of ``boards`` ((board, hub slug), in order), filtered."""
    node = node_of(request)
    settings = node.settings
    filters = _filters(request)
    now = now_ms()
    gathered = await _gather(request, boards[: settings.market_boards])
    items = [e.item for e, _slug, _link in gathered]
    matches = suggest(items, now, limit=settings.market_suggestions)
    if filters.tag:
        matches = [m for m in matches if filters.tag in m.shared]
    shown = [
        e.public(now, hub=slug, link=link)
        for e, slug, link in gathered
        if wall.keep(e, now, state=filters.state, tag=filters.tag, kind=filters.kind)
    ]
    shown.sort(key=lambda c: (-c["created_at"], c["board"], c["card"]))
    tags = Counter(t for i in items for t in i.tags)
    return JSONResponse(
        {
            "hub": None if hub is None else {"slug": hub.slug, "name": hub.name},
            "now": now,
            "boards": len({b for b, _s in boards[: settings.market_boards]}),
            "may_manage": may_manage,
            "cards": shown[: settings.market_cards],
            "matches": [_match(m) for m in matches],
            "tags": [[t, n] for t, n in sorted(tags.items(), key=lambda x: (-x[1], x[0]))],
        },
        headers={"cache-control": "no-store"},
    )


def _ref(i: Item) -> dict[str, str]:
    return {"board": i.board, "card": i.card}


def _match(m: Any) -> dict[str, Any]:
    return {"question": _ref(m.question), "offer": _ref(m.offer), "shared": list(m.shared)}


@refusals
async def hub_market(request: Request) -> Response:
    """``GET /api/hubs/{slug}/market``: the hub's wall (module docstring)."""
    slug = request.path_params["slug"]
    hub = await hubs_of(request).store.get(slug) if SLUG_RE.fullmatch(slug) else None
    if hub is None:
        raise ApiError(404, "not_found", "no such hub")
    who = await caller(request)
    managed = manages(who, hub)
    boards = [
        (b, hub.slug) for b, public in await hubs_of(request).store.boards(hub.slug)
        if public or managed
    ]  # fmt: skip
    return await _answer(request, boards, hub, may_manage=managed)


@refusals
async def all_markets(request: Request) -> Response:
    """``GET /api/market``: every hub's public boards on one wall."""
    store = hubs_of(request).store
    boards: list[tuple[str, str]] = []
    for hub in await store.all():
        boards += [(b, hub.slug) for b, public in await store.boards(hub.slug) if public]
    return await _answer(request, boards, None, may_manage=False)


# --- setting states ---------------------------------------------------------------------


class CardRef(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    board: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    card: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    token: str | None = Field(default=None, max_length=512)
    identity: str | None = Field(default=None, max_length=512)


class SetState(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    state: str
    cards: list[CardRef] = Field(min_length=1, max_length=2)


@dataclass(frozen=True, slots=True)
class _Rights:
    role: Role
    actor: str
    name: str


async def _rights(request: Request, ref: CardRef, who: Caller | None) -> list[_Rights]:
    """The caller's roles and actors on ``ref.board`` (module docstring):
    the link's first, then the login's, so a coordinator whose tab also
    holds a participant link of the board still acts as facilitator."""
    node = node_of(request)
    found: list[_Rights] = []
    if ref.token:
        try:
            grant, _links = await node.access.grant(ref.token, ref.board)
        except Refused as exc:
            if exc.status == 404:
                raise ApiError(404, "not_found", "no such board") from None
            raise ApiError(401, "unauthorized", f"{ref.board}: {exc.reason}") from None
        actor = node.signer.read_identity(ref.identity) if ref.identity else None
        found.append(_Rights(grant.role, actor or "", ""))
    if who is not None:
        info = await node.accounts.boards.info(ref.board)
        if info is not None:
            if who.account.sees_all_boards or info.owner == who.account.username:
                found.append(_Rights("facilitator", "system", who.account.name))
            else:
                slug = await hubs_of(request).store.hub_of_board(ref.board)
                hub = None if slug is None else await hubs_of(request).store.get(slug)
                if hub is not None and manages(who, hub):
                    found.append(_Rights("facilitator", "system", who.account.name))
    if not found:
        raise ApiError(403, "forbidden", f"{ref.board}: a link of the board or a login is needed")
    return found


@refusals
async def set_state(request: Request) -> Response:
    """``POST /api/market/state``: set the state of one or two cards (a
    suggested pair: both ``matched``). All or nothing: every card is
    checked with the caller's rights before any op is appended."""
    who = await caller(request)
    check_write(request, who)
    node = node_of(request)
    settings = node.settings
    await limit(
        request, "market_state", ip_of(request),
        Limit(settings.market_states_per_ip, settings.market_states_window_s), "state changes",
    )  # fmt: skip
    try:
        body = SetState.model_validate(await read_json(request))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(422, "invalid", f"{where}: {first['msg']}") from None
    if body.state not in CARD_STATES:
        raise ApiError(422, "invalid", f"state: one of {', '.join(CARD_STATES)}")
    if len({(c.board, c.card) for c in body.cards}) != len(body.cards):
        raise ApiError(422, "invalid", "cards: the same card twice")
    planned: list[tuple[CardRef, _Rights, CardSet]] = []
    for ref in body.cards:
        candidates = await _rights(request, ref, who)
        try:
            state = await read_state(node.store, ref.board)
        except BoardNotFound:
            raise ApiError(404, "not_found", f"{ref.board}: no such board") from None
        card = state.live_card(ref.card)
        # A card the caller may not see (held, hidden) answers as one that
        # does not exist: a refusal would tell a viewer it is there.
        if (
            card is None
            or card.kind not in KINDS
            or not any(sees_card(state, card, Viewer(r.role, r.actor)) for r in candidates)
        ):
            raise ApiError(404, "not_found", f"{ref.card}: no such question or offer")
        op = CardSet.model_validate({"type": "card.set", "id": ref.card, "state": body.state})
        refusals = [check(state, op, r.actor, r.role) for r in candidates]
        allowed = [r for r, refusal in zip(candidates, refusals, strict=True) if refusal is None]
        if not allowed:
            why = next(r.message for r in refusals if r is not None)
            raise ApiError(403, "forbidden", f"{ref.card}: {why}")
        rights = allowed[0]
        own = card.author_name if card.author == rights.actor else ""
        name = rights.name or own or "Prikbord"
        planned.append((ref, _Rights(rights.role, rights.actor, name), op))
    seqs: list[int] = []
    for ref, rights, op in planned:
        op_id = f"market-{secrets.token_hex(6)}"
        head, tail = codec.event_parts(
            op_id=op_id, actor=rights.actor, name=rights.name, role=rights.role,
            at=now_ms(), op=op,
        )  # fmt: skip
        try:
            result = await node.store.append(ref.board, f"{rights.actor}:{op_id}", head, tail)
        except BoardNotFound:
            raise ApiError(404, "not_found", f"{ref.board}: no such board") from None
        except (RedisError, OSError):
            raise ApiError(503, "unavailable", "storage unavailable: retry") from None
        seqs.append(result.seq)
    _cache(request).forget_recent()
    return JSONResponse(
        {"state": body.state,
         "cards": [{"board": r.board, "card": r.card, "seq": s}
                   for (r, _x, _o), s in zip(planned, seqs, strict=True)]},
    )  # fmt: skip


async def _page(request: Request) -> Response:
    """The web app's wall pages (the app routes by path)."""
    from server.routes import pages

    return await pages.index(request)


def routes() -> list[BaseRoute]:
    return [
        Route("/market", _page),
        Route("/hubs/{slug}/market", _page),
        Route("/api/market", all_markets),
        Route("/api/hubs/{slug}/market", hub_market),
        Route("/api/market/state", set_state, methods=["POST"]),
    ]
