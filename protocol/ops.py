"""Ops: the intents a client sends, validated field by field.

Every op names the objects it touches by client-made ids, so a client can
apply its own op optimistically before the server has ordered it. Ids are
unique per board and never reused: a create with a taken id is a no-op.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fractional_indexing import validate_order_key
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from protocol import limits
from protocol.notes import DOC_PATTERN

Id = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$", min_length=1, max_length=limits.MAX_ID)
]
Layout = Literal["wall", "columns", "grid"]
Theme = Literal["light", "dark", "hub", "contrast"]
CardKind = Literal["note", "question", "offer", "link"]
Color = Literal["yellow", "pink", "blue", "green", "orange", "purple", "white"]
#: Reactions are a closed set: a hub screen renders them all, none is offensive.
Emoji = Literal["👍", "❤️", "💡", "🎉", "😂", "❓"]
REACTIONS: tuple[str, ...] = ("👍", "❤️", "💡", "🎉", "😂", "❓")
Coord = Annotated[int, Field(ge=0, le=limits.MAX_COORD)]
Anonymous = Literal["off", "others", "all"]
ModAction = Literal["approve", "reject", "hide", "restore"]
TimerAction = Literal["start", "pause", "resume", "reset"]


def _check_pos(key: str) -> str:
    try:
        validate_order_key(key)
    except Exception as exc:  # the library raises bare Exception
        raise ValueError("not a fractional index key") from exc
    return key


def _is_control(ch: str) -> bool:
    """C0 controls, DEL and C1 controls (Unicode category Cc)."""
    return ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("only http(s) URLs with a host are allowed")
    if any(ch.isspace() or _is_control(ch) for ch in url):
        raise ValueError("URL contains whitespace or control characters")
    return url


def _no_control_at_all(text: str) -> str:
    """One-line texts (a file name, a tag, a contact): no newline or tab either."""
    if any(_is_control(ch) for ch in text):
        raise ValueError("control characters are not allowed")
    return text


def no_controls(text: str) -> str:
    if any(_is_control(ch) and ch not in "\n\t" for ch in text):
        raise ValueError("control characters are not allowed")
    return text


def is_blank(text: str) -> bool:
    """Empty or whitespace only (``str.isspace``): counts as no text at all
    wherever a text must not be empty."""
    return not text.strip()


def _not_blank(text: str) -> str:
    if is_blank(text):
        raise ValueError("must contain more than whitespace")
    return text


def drop_nil(data: Any) -> Any:
    """nil on a field means the same as leaving the field out."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if v is not None}
    return data


#: Base-62 digits only: the library's validator checks the head and the last
#: digit but not the alphabet, and ASCII keys compare the same in Python and JS.
Pos = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9A-Za-z]+$", min_length=1, max_length=limits.MAX_POS),
    AfterValidator(_check_pos),
]
Url = Annotated[
    str, StringConstraints(min_length=1, max_length=limits.MAX_URL), AfterValidator(_check_url)
]


def _text(max_length: int, min_length: int = 0, strip: bool = False) -> StringConstraints:
    return StringConstraints(min_length=min_length, max_length=max_length, strip_whitespace=strip)


BoardTitle = Annotated[
    str, _text(limits.MAX_BOARD_TITLE, 1, strip=True), AfterValidator(no_controls)
]
SectionTitle = Annotated[str, _text(limits.MAX_SECTION_TITLE), AfterValidator(no_controls)]
CardTitle = Annotated[str, _text(limits.MAX_CARD_TITLE), AfterValidator(no_controls)]
CardBody = Annotated[str, _text(limits.MAX_CARD_BODY), AfterValidator(no_controls)]
CommentBody = Annotated[
    str, _text(limits.MAX_COMMENT, 1), AfterValidator(no_controls), AfterValidator(_not_blank)
]


#: A stored file's content id: the SHA-256 of its bytes, lowercase hex
#: (server/files). Not an :data:`Id`: the client does not make it up.
FileId = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-f]+$", min_length=limits.FILE_ID_LEN, max_length=limits.FILE_ID_LEN
    ),
]
FileKind = Literal["image", "pdf", "audio", "file"]
CardStatus = Literal["open", "matched", "resolved"]
MimeType = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9.+-]+/[a-z0-9.+-]+$", max_length=limits.MAX_MIME_TYPE),
]
FileName = Annotated[
    str,
    _text(limits.MAX_FILE_NAME, 1),
    AfterValidator(_no_control_at_all),
    AfterValidator(_not_blank),
]
ImageSide = Annotated[int, Field(ge=0, le=limits.MAX_IMAGE_SIDE)]


class _Map(BaseModel):
    """A map inside an op: strict, unknown fields refused, and nil on a
    field the same as leaving it out (as on the op itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _nil_is_absent(cls, data: Any) -> Any:
        return drop_nil(data)


class Attachment(_Map):
    """A file on a card, as the card shows it. ``id`` names the stored bytes;
    the rest describes them, and the server rewrites it from its own record
    of the upload before appending (``model_copy(update=...)``), so a client
    cannot make a file look like something else. ``w``/``h`` are 0 unless
    the file is an image; ``thumb``: the server made a preview image (an
    image's thumbnail, a PDF's first page)."""

    id: FileId
    name: FileName
    type: MimeType
    size: Annotated[int, Field(ge=0, le=limits.MAX_FILE_SIZE)]
    kind: FileKind
    w: ImageSide = 0
    h: ImageSide = 0
    thumb: bool = False


class LinkPreview(_Map):
    """Open Graph data of a card's link. Only the server makes one (it
    fetches the page): ``url`` is the card's URL it was fetched for, so a
    preview for an older link never lands on a newer one; ``image`` is the
    stored file of the page's image, "" when none."""

    url: Url
    title: Annotated[str, _text(limits.MAX_PREVIEW_TITLE), AfterValidator(no_controls)] = ""
    description: Annotated[
        str, _text(limits.MAX_PREVIEW_DESCRIPTION), AfterValidator(no_controls)
    ] = ""
    site: Annotated[str, _text(limits.MAX_PREVIEW_SITE), AfterValidator(_no_control_at_all)] = ""
    image: FileId | Literal[""] = ""


def normalize_tag(tag: str) -> str:
    """How a tag is kept: without surrounding space, one leading "#" and
    capitals, so "#Tuin " and "tuin" are the same tag. ``str.lower`` (not
    ``casefold``): JavaScript's ``toLowerCase`` does the same, so a client
    shows its own tag exactly as the server will store it."""
    tag = tag.strip()
    return tag.removeprefix("#").strip().lower()


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _unique_files(files: list[Attachment]) -> list[Attachment]:
    ids = [f.id for f in files]
    if len(set(ids)) != len(ids):
        raise ValueError("the same file twice on one card")
    return files


def _check_tag(tag: str) -> str:
    tag = normalize_tag(_no_control_at_all(tag))
    if not 1 <= len(tag) <= limits.MAX_TAG:
        raise ValueError(f"a tag is 1 to {limits.MAX_TAG} characters (without #)")
    return tag


#: Kept normalised (:func:`normalize_tag`); the length counts after that.
Tag = Annotated[str, AfterValidator(_check_tag)]
Tags = Annotated[list[Tag], Field(max_length=limits.MAX_TAGS), AfterValidator(_unique)]
Files = Annotated[
    list[Attachment], Field(max_length=limits.MAX_FILES_PER_CARD), AfterValidator(_unique_files)
]
Contact = Annotated[str, _text(limits.MAX_CONTACT), AfterValidator(_no_control_at_all)]
Expires = Annotated[int, Field(ge=0, le=limits.MAX_EXPIRES)]


class _Op(BaseModel):
    """Unknown fields are refused: an old server must not silently drop a
    field the user set. nil on a field is the same as leaving it out."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _nil_is_absent(cls, data: Any) -> Any:
        return drop_nil(data)


FilterWord = Annotated[
    str,
    StringConstraints(min_length=1, max_length=limits.MAX_FILTER_WORD, strip_whitespace=True),
    AfterValidator(no_controls),
]


class BoardSet(_Op):
    """Change board settings (facilitator). Absent fields stay as they are.
    ``hide_cards`` false is the reveal; ``words`` replaces the filter's own
    word list."""

    type: Literal["board.set"]
    title: BoardTitle | None = None
    layout: Layout | None = None
    theme: Theme | None = None
    vote_budget: Annotated[int, Field(ge=0, le=limits.MAX_VOTE_BUDGET)] | None = None
    approval: bool | None = None
    locked: bool | None = None
    hide_cards: bool | None = None
    anonymous: Anonymous | None = None
    filter: bool | None = None
    words: Annotated[list[FilterWord], Field(max_length=limits.MAX_FILTER_WORDS)] | None = None


class SectionAdd(_Op):
    type: Literal["section.add"]
    id: Id
    title: SectionTitle
    pos: Pos


class SectionSet(_Op):
    type: Literal["section.set"]
    id: Id
    title: SectionTitle | None = None
    pos: Pos | None = None


class SectionDelete(_Op):
    """Tombstone a section. Its cards stay and show under "no section"."""

    type: Literal["section.delete"]
    id: Id


class CardAdd(_Op):
    type: Literal["card.add"]
    id: Id
    kind: CardKind = "note"
    title: CardTitle = ""
    body: CardBody = ""
    color: Color = "yellow"
    #: "" means none, as in card.set/card.move; the event leaves it out.
    url: Url | Literal[""] | None = None
    section: Id | Literal[""] | None = None
    pos: Pos = "a0"
    x: Coord = 0
    y: Coord = 0
    #: Held for a facilitator's approval. The server sets it when the text
    #: matches the board's word filter; a client may set it to ask for review.
    held: bool | None = None
    # Absent means the card's default (none, "", 0, "open"): an event that
    # does not use these fields keeps the form it had before them.
    files: Files | None = None
    #: Server-made only (policy.check refuses it from a client).
    preview: LinkPreview | None = None
    tags: Tags | None = None
    contact: Contact | None = None
    #: When a question or offer lapses (ms since the epoch); 0 = never.
    expires: Expires | None = None
    state: CardStatus | None = None

    @field_validator("url", "section", mode="after")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _has_content(self) -> CardAdd:
        if is_blank(self.title) and is_blank(self.body) and not self.url and not self.files:
            raise ValueError("a card needs a title, a body, a URL or a file")
        if self.kind == "link" and not self.url:
            raise ValueError("a link card needs a url")
        return self


class CardSet(_Op):
    """Edit card content (author or facilitator). ``url`` "" clears the link
    (and its preview); ``preview`` "" clears the preview; a list (``files``,
    ``tags``) replaces the whole list, [] empties it."""

    type: Literal["card.set"]
    id: Id
    kind: CardKind | None = None
    title: CardTitle | None = None
    body: CardBody | None = None
    color: Color | None = None
    url: Url | Literal[""] | None = None
    #: Set by the server when the new text matches the word filter: the card
    #: goes back to "pending" until a facilitator approves it.
    held: bool | None = None
    files: Files | None = None
    #: Server-made only (policy.check refuses it from a client).
    preview: LinkPreview | Literal[""] | None = None
    tags: Tags | None = None
    contact: Contact | None = None
    expires: Expires | None = None
    state: CardStatus | None = None


class CardMove(_Op):
    """Move a card: into a section at a position, and/or to wall coordinates."""

    type: Literal["card.move"]
    id: Id
    section: Id | Literal[""] | None = None  # "" = no section
    pos: Pos | None = None
    x: Coord | None = None
    y: Coord | None = None


class CardDelete(_Op):
    type: Literal["card.delete"]
    id: Id


class CommentAdd(_Op):
    type: Literal["comment.add"]
    id: Id
    card: Id
    body: CommentBody
    held: bool | None = None  # as in card.add


class CommentDelete(_Op):
    type: Literal["comment.delete"]
    id: Id


class ReactionSet(_Op):
    """Set (``on``) or clear one emoji reaction of the sender on a card."""

    type: Literal["reaction.set"]
    card: Id
    emoji: Emoji
    on: bool


class VoteCast(_Op):
    """Spend one dot vote on a card (several on one card are allowed)."""

    type: Literal["vote.cast"]
    card: Id


class VoteRetract(_Op):
    """Take back one of the sender's dot votes from a card."""

    type: Literal["vote.retract"]
    card: Id


class CardModerate(_Op):
    """Facilitator: approve or reject a pending card, hide a visible one,
    restore a hidden or rejected one (SPEC §5, Moderation)."""

    type: Literal["card.moderate"]
    id: Id
    action: ModAction


class CommentModerate(_Op):
    type: Literal["comment.moderate"]
    id: Id
    action: ModAction


class ParticipantRemove(_Op):
    """Facilitator: remove a participant (by actor) from the board. Their
    ops are refused from then on and the server closes their sockets."""

    type: Literal["participant.remove"]
    actor: Id


class ParticipantRestore(_Op):
    type: Literal["participant.restore"]
    actor: Id


class TimerSet(_Op):
    """Facilitator: start (``seconds`` required), pause, resume or reset the
    board's countdown."""

    type: Literal["timer.set"]
    action: TimerAction
    seconds: Annotated[int, Field(ge=1, le=limits.MAX_TIMER_SECONDS)] | None = None

    @model_validator(mode="after")
    def _start_has_seconds(self) -> TimerSet:
        if (self.action == "start") != (self.seconds is not None):
            raise ValueError("seconds is required with start, and only there")
        return self


class SpotlightSet(_Op):
    """Facilitator: spotlight one card or one section on every screen; with
    neither, end the spotlight."""

    type: Literal["spotlight.set"]
    card: Id | None = None
    section: Id | None = None

    @model_validator(mode="after")
    def _one_target(self) -> SpotlightSet:
        if self.card is not None and self.section is not None:
            raise ValueError("spotlight a card or a section, not both")
        return self


class RoundOpen(_Op):
    """Facilitator: open the next vote round (votes hidden from participants
    until it closes); ``reset`` first takes back every vote."""

    type: Literal["round.open"]
    reset: bool = False


class RoundClose(_Op):
    """Facilitator: close the round: votes show to everyone, no more voting."""

    type: Literal["round.close"]


class PostsDelete(_Op):
    """Delete every live card and comment by ``author`` and/or created at or
    after ``since`` (server time, ms; the ``created_at`` of a card the
    facilitator picks), in one op: how a facilitator cleans up a flooded
    board (facilitator only). At least one of the two."""

    type: Literal["posts.delete"]
    author: Id | None = None
    since: Annotated[int, Field(ge=0, le=limits.MAX_TIME_MS)] | None = None

    @model_validator(mode="after")
    def _names_a_filter(self) -> PostsDelete:
        if self.author is None and self.since is None:
            raise ValueError("name an author, a since time, or both")
        return self


class NotesUpdate(_Op):
    """Collaborative text (protocol/notes.py): a Yjs update (v1) to merge
    into the board's notes (``doc`` "board") or a card's description (``doc``
    "card:<id>"). Participants and facilitators write, unless the board is
    locked; a card's description, whoever may see the card."""

    type: Literal["notes.update"]
    doc: Annotated[str, StringConstraints(pattern=DOC_PATTERN)]
    update: Annotated[bytes, Field(min_length=1, max_length=limits.MAX_NOTES_UPDATE)]


Op = Annotated[
    BoardSet
    | SectionAdd
    | SectionSet
    | SectionDelete
    | CardAdd
    | CardSet
    | CardMove
    | CardDelete
    | CommentAdd
    | CommentDelete
    | ReactionSet
    | VoteCast
    | VoteRetract
    | CardModerate
    | CommentModerate
    | ParticipantRemove
    | ParticipantRestore
    | TimerSet
    | SpotlightSet
    | RoundOpen
    | RoundClose
    | PostsDelete
    | NotesUpdate,
    Field(discriminator="type"),
]


class ViewPatch(BaseModel):
    """Server-made, never accepted from a client: the change an event makes
    to what *this* viewer may see (protocol/visibility.py), as "set these
    objects to these values" — an object's value ``None`` removes it from the
    viewer's replica. The maps hold snapshot forms (SPEC §5)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    type: Literal["view.patch"]
    settings: dict[str, Any] | None = None
    session: dict[str, Any] | None = None
    sections: dict[str, dict[str, Any] | None] | None = None
    cards: dict[str, dict[str, Any] | None] | None = None
    comments: dict[str, dict[str, Any] | None] | None = None
    reactions: dict[str, dict[str, list[str]] | None] | None = None
    votes: dict[str, dict[str, int] | None] | None = None
    removed: list[str] | None = None
    #: Notes documents (protocol/notes.py): a Yjs update to merge into the
    #: document (the whole state when it comes into view), or None: the
    #: document left the viewer's view (its card did).
    notes: dict[str, bytes | None] | None = None


#: What an event carries: a client's op, or a view patch the server made.
EventOp = Annotated[Op | ViewPatch, Field(discriminator="type")]

OP_TYPES: frozenset[str] = frozenset(
    {
        "board.set",
        "section.add",
        "section.set",
        "section.delete",
        "card.add",
        "card.set",
        "card.move",
        "card.delete",
        "comment.add",
        "comment.delete",
        "reaction.set",
        "vote.cast",
        "vote.retract",
        "card.moderate",
        "comment.moderate",
        "participant.remove",
        "participant.restore",
        "timer.set",
        "spotlight.set",
        "round.open",
        "round.close",
        "posts.delete",
        "notes.update",
    }
)


def file_ids(op: Op | ViewPatch) -> set[str]:
    """Every stored file ``op`` refers to (attachments and a preview's
    image): what the server checks against the board's uploads before it
    appends the op."""
    if not isinstance(op, CardAdd | CardSet):
        return set()
    ids = {f.id for f in op.files or ()}
    if isinstance(op.preview, LinkPreview) and op.preview.image:
        ids.add(op.preview.image)
    return ids
