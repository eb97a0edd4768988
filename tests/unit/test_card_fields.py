"""The card fields of issues 13 and 14 — attachments, link preview, tags,
contact, expiry, state — through ops, reducer, policy, visibility and the
snapshot form."""

from __future__ import annotations

from typing import Any

import pytest

from protocol import codec, limits
from protocol.errors import ErrorCode, ProtocolError
from protocol.messages import SYSTEM_ACTOR
from protocol.model import from_wire, to_wire
from protocol.ops import Attachment, CardAdd, CardSet, LinkPreview, file_ids
from protocol.policy import check
from protocol.visibility import RAW, Change, Viewer, pick
from protocol.wordfilter import hold_if_filtered
from tests.unit._support import ev, op, run

PHOTO: dict[str, Any] = {
    "id": "a" * 64, "name": "flip-over.jpg", "type": "image/jpeg", "size": 123_456,
    "kind": "image", "w": 4000, "h": 3000, "thumb": True,
}  # fmt: skip
PDF: dict[str, Any] = {
    "id": "b" * 64,
    "name": "flyer.pdf",
    "type": "application/pdf",
    "size": 999,
    "kind": "pdf",
}
URL = "https://example.org/buurt"
PREVIEW: dict[str, Any] = {
    "url": URL, "title": "De buurt", "description": "Wat er speelt", "site": "Example",
    "image": "c" * 64,
}  # fmt: skip


def _add(card: str = "c1", **fields: Any) -> dict[str, Any]:
    return {"type": "card.add", "id": card, "title": "Vraag", **fields}


def _set(card: str = "c1", **fields: Any) -> dict[str, Any]:
    return {"type": "card.set", "id": card, **fields}


def _decode(wire_op: dict[str, Any]) -> Any:
    return codec.decode_client(codec.pack({"t": "op", "id": "o1", "op": wire_op}))


# --- ops: field rules --------------------------------------------------------


def test_a_card_with_every_new_field_round_trips() -> None:
    wire = _add(
        files=[PHOTO, PDF], tags=["tuin"], contact="bel 06-1234", expires=1_800_000_000_000,
        state="matched", url=URL, preview=PREVIEW,
    )  # fmt: skip
    added = op(wire)
    assert isinstance(added, CardAdd)
    assert added.files is not None and added.files[0] == Attachment(**PHOTO)
    assert added.files is not None and added.files[1].w == 0 and added.files[1].thumb is False
    assert codec.op_from_wire(codec.op_to_wire(added)) == added


def test_absent_fields_leave_the_event_as_it_was() -> None:
    """An op that does not use the new fields has the wire form it had."""
    wire = codec.op_to_wire(op(_add()))
    assert not {"files", "preview", "tags", "contact", "expires", "state"} & set(wire)


def test_tags_are_normalised() -> None:
    added = op(_add(tags=["#Tuin ", "tuin", " Koken", "#Tuin", "  #  Buurt "]))
    assert isinstance(added, CardAdd) and added.tags == ["tuin", "koken", "buurt"]


def test_a_card_of_only_files_is_valid_and_nothing_at_all_is_not() -> None:
    assert op({"type": "card.add", "id": "c1", "files": [PDF]}) is not None
    with pytest.raises(ProtocolError, match="a title, a body, a URL or a file"):
        _decode({"type": "card.add", "id": "c1", "files": []})


_BAD: list[tuple[dict[str, Any], str]] = [
    ({"files": [{**PHOTO, "id": "A" * 64}]}, "files.0.id"),
    ({"files": [{**PHOTO, "id": "a" * 40}]}, "files.0.id"),
    ({"files": [{**PHOTO, "name": ""}]}, "files.0.name"),
    ({"files": [{**PHOTO, "name": "   "}]}, "files.0.name"),
    ({"files": [{**PHOTO, "name": "a\nb.jpg"}]}, "files.0.name"),
    ({"files": [{**PHOTO, "name": "x" * (limits.MAX_FILE_NAME + 1)}]}, "files.0.name"),
    ({"files": [{**PHOTO, "type": "Image/JPEG"}]}, "files.0.type"),
    ({"files": [{**PHOTO, "type": "jpeg"}]}, "files.0.type"),
    ({"files": [{**PHOTO, "size": -1}]}, "files.0.size"),
    ({"files": [{**PHOTO, "size": 1.5}]}, "files.0.size"),
    ({"files": [{**PHOTO, "kind": "video"}]}, "files.0.kind"),
    ({"files": [{**PHOTO, "w": -1}]}, "files.0.w"),
    ({"files": [{**PHOTO, "h": limits.MAX_IMAGE_SIDE + 1}]}, "files.0.h"),
    ({"files": [{**PHOTO, "thumb": 1}]}, "files.0.thumb"),
    ({"files": [{**PHOTO, "extra": 1}]}, "files.0.extra"),
    ({"files": [PHOTO, PHOTO]}, "the same file twice"),
    (
        {"files": [{**PHOTO, "id": f"{i:064x}"} for i in range(limits.MAX_FILES_PER_CARD + 1)]},
        "files",
    ),
    ({"files": PHOTO}, "files"),
    ({"tags": ["a" * (limits.MAX_TAG + 1)]}, "a tag is 1 to 40"),
    ({"tags": ["#"]}, "a tag is 1 to 40"),
    ({"tags": ["  "]}, "a tag is 1 to 40"),
    ({"tags": ["a\tb"]}, "control characters"),
    ({"tags": [str(i) for i in range(limits.MAX_TAGS + 1)]}, "tags"),
    ({"tags": "tuin"}, "tags"),
    ({"contact": "x" * (limits.MAX_CONTACT + 1)}, "contact"),
    ({"contact": "bel\nme"}, "contact: Value error, control characters"),
    ({"expires": -1}, "expires"),
    ({"expires": limits.MAX_EXPIRES + 1}, "expires"),
    ({"expires": True}, "expires"),
    ({"state": "closed"}, "state"),
    ({"url": URL, "preview": {**PREVIEW, "image": "xyz"}}, "preview"),
    ({"url": URL, "preview": {**PREVIEW, "url": "ftp://x"}}, "preview"),
    (
        {"url": URL, "preview": {**PREVIEW, "title": "t" * (limits.MAX_PREVIEW_TITLE + 1)}},
        "preview",
    ),
    ({"url": URL, "preview": {"title": "no url"}}, "preview"),
]


@pytest.mark.parametrize(("fields", "where"), _BAD)
@pytest.mark.parametrize("op_type", ["card.add", "card.set"])
def test_bad_fields_get_a_clear_error(op_type: str, fields: dict[str, Any], where: str) -> None:
    wire = _add(**fields) if op_type == "card.add" else _set(**fields)
    with pytest.raises(ProtocolError) as caught:
        _decode(wire)
    assert caught.value.code == ErrorCode.INVALID
    assert where in caught.value.message
    assert caught.value.op_id == "o1"


def test_file_ids_names_every_stored_file_an_op_uses() -> None:
    assert file_ids(op(_add(files=[PHOTO, PDF], url=URL, preview=PREVIEW))) == {
        "a" * 64, "b" * 64, "c" * 64,
    }  # fmt: skip
    assert file_ids(op(_set(preview={**PREVIEW, "image": ""}))) == set()
    assert file_ids(op(_set(files=[PDF]))) == {"b" * 64}
    assert file_ids(op(_set(preview=""))) == set()
    assert file_ids(op({"type": "card.delete", "id": "c1"})) == set()


def test_the_server_can_rewrite_an_attachment() -> None:
    added = op(_add(files=[PHOTO]))
    assert isinstance(added, CardAdd) and added.files is not None
    fixed = added.files[0].model_copy(update={"size": 5, "w": 1, "h": 2})
    rewritten = added.model_copy(update={"files": [fixed]})
    assert codec.op_to_wire(rewritten)["files"][0]["size"] == 5


# --- reducer -----------------------------------------------------------------


def test_fields_are_last_writer_wins_and_lists_replace() -> None:
    state = run([
        ev(1, _add(files=[PHOTO], tags=["a"], contact="x", expires=5, state="open")),
        ev(2, _set(tags=["b", "c"], state="matched")),
        ev(3, _set(files=[PDF], contact="y")),
        ev(4, _set(expires=0, tags=[])),
    ])  # fmt: skip
    card = state.cards["c1"]
    assert [f.id for f in card.files] == ["b" * 64]
    assert (card.tags, card.contact, card.expires, card.state) == ([], "y", 0, "matched")
    assert card.updated_at == ev(4, None).at


def test_a_tombstone_clears_the_fields() -> None:
    state = run([
        ev(1, _add(files=[PHOTO], tags=["a"], contact="x", expires=5, state="resolved", url=URL)),
        ev(2, _set(preview=PREVIEW), SYSTEM_ACTOR, "facilitator"),
        ev(3, {"type": "card.delete", "id": "c1"}),
    ])  # fmt: skip
    card = state.cards["c1"]
    assert card.deleted and (card.files, card.preview, card.tags) == ([], None, [])
    assert (card.contact, card.expires, card.state) == ("", 0, "open")


def test_a_new_url_drops_the_old_preview_unless_it_brings_one() -> None:
    other = "https://example.org/ander"
    events = [
        ev(1, _add(url=URL)),
        ev(2, _set(preview=PREVIEW), SYSTEM_ACTOR, "facilitator"),
    ]
    assert run(events).cards["c1"].preview == LinkPreview(**PREVIEW)
    # Setting the same URL again keeps it; another drops it; "" drops it.
    assert run([*events, ev(3, _set(url=URL))]).cards["c1"].preview is not None
    assert run([*events, ev(3, _set(url=other))]).cards["c1"].preview is None
    assert run([*events, ev(3, _set(url="", title="t"))]).cards["c1"].preview is None
    # The server's op may change both at once.
    both = _set(url=other, preview={**PREVIEW, "url": other})
    preview = run([*events, ev(3, both, SYSTEM_ACTOR, "facilitator")]).cards["c1"].preview
    assert preview is not None and preview.url == other
    # "" clears the preview and leaves the link.
    cleared = run([*events, ev(3, _set(preview=""), SYSTEM_ACTOR, "facilitator")]).cards["c1"]
    assert cleared.preview is None and cleared.url == URL


def test_a_preview_fetched_for_an_older_link_does_not_land() -> None:
    """The fetch raced a change of link: its op is refused, the card keeps no preview."""
    state = run([
        ev(1, _add(url=URL)),
        ev(2, _set(url="https://example.org/nieuw")),
        ev(3, _set(preview=PREVIEW), SYSTEM_ACTOR, "facilitator"),
    ])  # fmt: skip
    assert state.cards["c1"].preview is None and state.cards["c1"].updated_at == ev(2, None).at
    refusal = check(run([ev(1, _add())]), op(_set(preview=PREVIEW)), SYSTEM_ACTOR, "facilitator")
    assert refusal is not None and "another URL" in refusal.message


def test_the_snapshot_form_carries_the_fields() -> None:
    state = run([
        ev(1, _add(files=[PHOTO, PDF], tags=["#Tuin"], contact="c", expires=7, state="matched",
                   url=URL)),
        ev(2, _set(preview=PREVIEW), SYSTEM_ACTOR, "facilitator"),
    ])  # fmt: skip
    form = to_wire(state)
    assert form["cards"]["c1"]["files"][1] == {**PDF, "w": 0, "h": 0, "thumb": False}
    assert form["cards"]["c1"]["preview"] == PREVIEW and form["cards"]["c1"]["tags"] == ["tuin"]
    again = from_wire(codec.unpack(codec.pack(form)))
    assert again == state and to_wire(again) == form


# --- policy ------------------------------------------------------------------


def test_only_the_server_sets_a_preview() -> None:
    state = run([ev(1, _add(url=URL))])
    for actor, role in (("ann", "participant"), ("fran", "facilitator")):
        refusal = check(state, op(_set(preview=PREVIEW)), actor, role)  # type: ignore[arg-type]
        assert refusal is not None and refusal.code == ErrorCode.FORBIDDEN
        assert refusal.message == "only the server sets a link preview"
        added = check(state, op(_add("c2", url=URL, preview=PREVIEW)), actor, role)  # type: ignore[arg-type]
        assert added is not None and added.code == ErrorCode.FORBIDDEN
    assert check(state, op(_set(preview=PREVIEW)), SYSTEM_ACTOR, "facilitator") is None
    # The reducer asks the same: a client's preview is a no-op in the log too.
    assert run([ev(1, _add(url=URL)), ev(2, _set(preview=PREVIEW))]).cards["c1"].preview is None


@pytest.mark.parametrize("change", [{"files": [PDF]}, {"state": "resolved"}, {"tags": ["x"]},
                                    {"contact": "mij"}, {"expires": 9}])  # fmt: skip
def test_a_participant_cannot_change_someone_elses_card(change: dict[str, Any]) -> None:
    state = run([ev(1, _add())])
    refusal = check(state, op(_set(**change)), "bob", "participant")
    assert refusal is not None and refusal.code == ErrorCode.FORBIDDEN
    assert check(state, op(_set(**change)), "ann", "participant") is None
    assert check(state, op(_set(**change)), "fran", "facilitator") is None
    locked = run(
        [ev(1, _add()), ev(2, {"type": "board.set", "locked": True}, "fran", "facilitator")]
    )
    refusal = check(locked, op(_set(**change)), "ann", "participant")
    assert refusal is not None and refusal.message == "the board is locked"


def test_an_edit_keeps_a_card_of_only_files_valid() -> None:
    state = run([ev(1, _add(files=[PDF]))])
    assert check(state, op(_set(title="")), "ann", "participant") is None
    state = run([ev(1, _add(files=[PDF])), ev(2, _set(title=""))])
    refusal = check(state, op(_set(files=[])), "ann", "participant")
    assert refusal is not None and "a title, a body, a URL or a file" in refusal.message


# --- visibility --------------------------------------------------------------


def test_content_edits_follow_the_card_visibility() -> None:
    """A card.set of only ``state``/``tags``/``files`` is a content edit: on
    a plain board it goes out raw; on a held card it reaches the author (a patch) and
    facilitators (raw: they see the whole board) and everyone else as a
    placeholder."""
    plain = run([ev(1, _add())])
    for change in ({"state": "matched"}, {"tags": ["x"]}, {"files": [PDF]}):
        change_ = Change.before(plain, ev(2, _set(**change)))
        assert change_.fast
    held = run([ev(1, _add(held=True))])
    event = ev(2, _set(state="matched", tags=["x"], files=[PDF]))
    change_ = Change.before(held, event)
    after = run([ev(1, _add(held=True)), event])
    variants = change_.variants(after)
    assert pick(variants, Viewer("facilitator", "fran")) == RAW  # sees the whole board
    variant = pick(variants, Viewer("participant", "ann"))  # the author
    assert variant is not None and variant != RAW and variant.cards is not None
    card = variant.cards["c1"]
    assert card is not None and card["state"] == "matched" and card["tags"] == ["x"]
    assert card["files"][0]["id"] == "b" * 64
    assert pick(variants, Viewer("participant", "bob")) is None
    assert pick(variants, Viewer("viewer", "")) is None


@pytest.mark.parametrize(
    "fields",
    [{"tags": ["foei"]}, {"contact": "zeg foei"}, {"files": [{**PDF, "name": "foei.pdf"}]}],
)
def test_the_word_filter_reads_tags_contact_and_file_names(fields: dict[str, Any]) -> None:
    words = {"type": "board.set", "filter": True, "words": ["foei"]}
    state = run([ev(1, words, "f", "facilitator")])
    for wire in (_add(**fields), _set(**fields)):
        held = hold_if_filtered(state, op(wire))
        assert isinstance(held, CardAdd | CardSet) and held.held is True
    assert hold_if_filtered(state, op(_set(tags=["tuin"]))) == op(_set(tags=["tuin"]))


def test_the_widest_card_fits_a_client_frame() -> None:
    """Every field at its cap, every character 4 bytes of UTF-8: the op
    still fits the 64 KiB frame and the decoder's caps (limits.py)."""
    wide = "😂"
    url = "https://x.nl/" + wide * (limits.MAX_URL - 13)
    files = [
        {
            "id": f"{i:064x}", "name": wide * limits.MAX_FILE_NAME,
            "type": "a/" + "b" * (limits.MAX_MIME_TYPE - 2), "size": limits.MAX_FILE_SIZE,
            "kind": "image", "w": limits.MAX_IMAGE_SIDE, "h": limits.MAX_IMAGE_SIDE, "thumb": True,
        }
        for i in range(limits.MAX_FILES_PER_CARD)
    ]  # fmt: skip
    preview = {
        "url": url, "title": wide * limits.MAX_PREVIEW_TITLE,
        "description": wide * limits.MAX_PREVIEW_DESCRIPTION,
        "site": wide * limits.MAX_PREVIEW_SITE, "image": "f" * 64,
    }  # fmt: skip
    widest = {
        "type": "card.add", "id": "c" * limits.MAX_ID, "kind": "question",
        "title": wide * limits.MAX_CARD_TITLE, "body": wide * limits.MAX_CARD_BODY, "url": url,
        "section": "s" * limits.MAX_ID, "pos": "a" + "1" * (limits.MAX_POS - 1),
        "x": limits.MAX_COORD, "y": limits.MAX_COORD, "held": True, "files": files,
        "preview": preview, "tags": [f"{i}" + wide * (limits.MAX_TAG - 1) for i in range(10)],
        "contact": wide * limits.MAX_CONTACT, "expires": limits.MAX_EXPIRES, "state": "matched",
    }  # fmt: skip
    data = codec.pack({"t": "op", "id": "o" * limits.MAX_OP_ID, "op": widest})
    assert len(data) <= limits.MAX_CLIENT_FRAME
    assert codec.decode_client(data).t == "op"
