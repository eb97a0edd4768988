"""REST for templates: the built-ins and saved ones, save a board as a
template, make a board from one (filed in a hub its coordinators name)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from protocol.ops import BoardTitle
from server.accounts.auth import Caller, caller, require_login
from server.accounts.http import ApiError, read_json
from server.engine.store import now_ms
from server.library import saved, templates
from server.library.access import (
    created,
    make,
    manages_hub,
    may_create,
    node_of,
    parse,
    read_board,
    refusals,
)

# --- templates ----------------------------------------------------------------------


class SaveTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: BoardTitle
    hub: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,40}$")


async def _scopes(request: Request, who: Caller, hub: str | None) -> list[str]:
    """The saved-template scopes the caller uses: their own, and a hub's
    that they manage."""
    scopes = [f"user:{who.account.username}"]
    if await manages_hub(request, who, hub):
        scopes.append(f"hub:{hub}")
    return scopes


@refusals
async def save_template(request: Request) -> Response:
    """``POST /api/boards/{board}/template``: save the board as a template,
    personal or (coordinators) the hub's."""
    who = await require_login(request, write=True)
    body = parse(SaveTemplate, await read_json(request))
    reader = await read_board(request, request.path_params["board"])
    if not reader.full:
        raise ApiError(403, "forbidden", "saving as a template takes the board's facilitator")
    if body.hub is not None and not await manages_hub(request, who, body.hub):
        raise ApiError(403, "forbidden", "only the hub's coordinators save its templates")
    scope = f"hub:{body.hub}" if body.hub else f"user:{who.account.username}"
    try:
        got = await saved.save(
            node_of(request), reader.state, name=body.name, scope=scope,
            cap=node_of(request).settings.library_saved_templates,
        )  # fmt: skip
    except saved.TooMany:
        raise ApiError(409, "too_many", "this scope has the most templates it may keep") from None
    return JSONResponse(got.public(), status_code=201)


@refusals
async def list_templates(request: Request) -> Response:
    """``GET /api/library/templates?lang=nl|en&hub=<slug>``: the built-ins,
    and with a login the caller's saved ones (and the hub's)."""
    lang = request.query_params.get("lang", "nl")
    if lang not in templates.LANGS:
        raise ApiError(422, "invalid", "lang is nl or en")
    hub = request.query_params.get("hub") or None
    out: dict[str, Any] = {"builtin": templates.catalogue(lang), "saved": []}
    who = await caller(request)
    if who is not None:
        for scope in await _scopes(request, who, hub):
            out["saved"] += [t.public() for t in await saved.listed(node_of(request), scope)]
    return JSONResponse(out, headers={"cache-control": "no-store"})


class FromTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: BoardTitle
    hub: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,40}$")


@refusals
async def board_from_template(request: Request) -> Response:
    """``POST /api/library/templates/{template}/boards``: a new board."""
    who = await may_create(request)
    body = parse(FromTemplate, await read_json(request))
    owner = who.account.username if who else None
    if body.hub is not None and not await manages_hub(request, who, body.hub):
        raise ApiError(403, "forbidden", "only the hub's coordinators add boards to it")
    hub = body.hub
    state = await saved.template_state(
        node_of(request), request.path_params["template"], hub=hub, owner=owner
    )
    if state is None:
        raise ApiError(404, "not_found", "no such template")
    state.settings.title = body.title
    made = await make(request, state, who)
    if hub is not None:  # filed in the hub's index, where its library finds it
        from server.hubs.store import HubStore

        await HubStore(node_of(request).redis).attach(made.board, hub, public=False, now=now_ms())
    return created(request, made)


@refusals
async def delete_template(request: Request) -> Response:
    who = await require_login(request, write=True)
    node = node_of(request)
    got = await saved.get(node, request.path_params["template"])
    if got is None or got.scope not in await _scopes(request, who, got.scope.removeprefix("hub:")):
        raise ApiError(404, "not_found", "no such template among yours")
    await saved.delete(node, got.id)
    return Response(status_code=204)
