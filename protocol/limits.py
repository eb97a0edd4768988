"""Every bound of the protocol, named, with the reason for its value.

Clients enforce the same numbers in their forms so a user sees the limit
before the server has to refuse.
"""

#: Inbound frame cap. The largest legal op (a card with every field at its
#: maximum — six attachments, ten tags, a link preview — every character 4
#: bytes of UTF-8) packs to about 46 KiB; 64 KiB leaves room without letting
#: one frame cost the server real memory.
MAX_CLIENT_FRAME = 64 * 1024
#: Server frames carry whole snapshots; a 5,000-card board stays well below.
MAX_SERVER_FRAME = 32 * 1024 * 1024

#: Decoder caps for inbound frames: no legal message nests deeper or longer.
#: Field caps count characters, this one counts bytes: it must hold the
#: longest field (a 4000-character card body) at 4 bytes per character, so
#: that a legal text is never refused by the decoder before its field rule.
MAX_STR_LEN = 16 * 1024
#: Binary values are legal in one place only: the Yjs update of a
#: ``notes.update`` op (codec.unpack_client checks where). The frame bounds
#: them; the op's own cap (MAX_NOTES_UPDATE) gives the clearer error.
MAX_BIN_LEN = MAX_CLIENT_FRAME
MAX_ARRAY_LEN = 64
MAX_MAP_LEN = 32

# Field lengths (in characters) — sized for a sticky note, not an essay.
MAX_ID = 40
MAX_OP_ID = 64
MAX_NAME = 40
MAX_BOARD_TITLE = 120
MAX_SECTION_TITLE = 80
MAX_CARD_TITLE = 200
MAX_CARD_BODY = 4000
MAX_COMMENT = 1000
MAX_URL = 2000
MAX_POS = 64
MAX_TOKEN = 512
#: A board's access code (SPEC §2): letters and digits, typed from a wall
#: or told aloud, so short — but at least 4 characters (10,000 codes), since
#: wrong guesses are limited per address, not per board.
MIN_ACCESS_CODE = 4
MAX_ACCESS_CODE = 32

#: UTF-8 needs at most this many bytes per character (code point).
MAX_UTF8_BYTES_PER_CHAR = 4
#: An ``error`` frame repeats the op id of the frame it refuses, even an
#: invalid one, cut to this many characters: enough for any id a client
#: plausibly makes, little enough that an error frame stays small.
MAX_ERROR_OP_ID = 256

#: Wall coordinates are logical pixels on a fixed 10,000 x 10,000 canvas.
MAX_COORD = 10_000

# Board object caps (SPEC §5, Caps). Live objects count toward the first
# number: a facilitator who deletes a flood (``posts.delete``) makes room
# again. Every entry, tombstones included, counts toward the second, which
# bounds the snapshot (and the memory of every replica) of a board that is
# flooded and cleaned over and over: a tombstone is ~150 bytes of snapshot,
# so 20,000 card entries stay ~3 MB. Four times the live cap lets a board
# be filled and cleaned three times over.
MAX_CARDS = 5000
MAX_CARD_ENTRIES = 20_000
MAX_SECTIONS = 50
MAX_SECTION_ENTRIES = 200
MAX_COMMENTS = 20_000
MAX_COMMENT_ENTRIES = 50_000
#: Largest time a client may name (ms since the epoch, ``posts.delete``):
#: JavaScript's largest safe integer, so every client reads it exactly.
MAX_TIME_MS = 2**53 - 1

#: Extra words of a board's word filter (beside the default lists), each a
#: word or short phrase: enough for a session's own sensitivities.
MAX_FILTER_WORDS = 50
MAX_FILTER_WORD = 40
#: A countdown of up to a day: sessions, not project deadlines.
MAX_TIMER_SECONDS = 24 * 3600

#: Dot votes per participant per board; the facilitator picks 0..MAX.
DEFAULT_VOTE_BUDGET = 5
MAX_VOTE_BUDGET = 100

#: Ops per second per connection (token bucket), with a burst for a paste of
#: several cards. A person types far slower; a runaway script hits this.
OPS_PER_SECOND = 20.0
OPS_BURST = 60

# Session notes (protocol/notes.py): Yjs documents, capped in encoded bytes.
#: One notes update: a client batches ~150 ms of typing into one (tens of
#: bytes), so this only bites a large paste — about 30,000 characters of
#: ASCII, a long minutes document — and keeps every notes op inside the
#: 64 KiB frame.
MAX_NOTES_UPDATE = 32 * 1024
#: The board's notes document, merged (text, formatting marks and the
#: record of deletions): ~250,000 characters typed in order, a whole day of
#: minutes; it travels in every join's snapshot, so it must stay far below
#: the frame a phone can take.
MAX_NOTES_DOC = 256 * 1024
#: A card's description: a longer text than the card body (4,000), ~15,000
#: characters.
MAX_CARD_DOC = 16 * 1024
#: Cards with a description document: bounds the notes in a snapshot to
#: MAX_NOTES_DOC + MAX_DESCRIPTIONS x MAX_CARD_DOC (~3.5 MB) however the
#: board is used.
MAX_DESCRIPTIONS = 200
#: A notes cursor in presence (``focus.cursor``): two encoded Yjs relative
#: positions take ~40 characters; room to spare, never a document.
MAX_CURSOR = 200
#: How often clients send what was typed (ms): one op per batch keeps ten
#: people typing at once far inside the op rate limits (≈7 ops/s each at
#: most, against 20/s per connection and 50/s per address), at a delay
#: no one notices in a shared text.
NOTES_BATCH_MS = 150

# Card attachments, tags and the question/offer fields (issues 13, 14).
#: Files on one card: a handful of photos of a flip chart or a few handouts.
#: More belongs in a section of cards; six keep a card readable on a phone
#: and its snapshot entry small (an attachment is ~1 KiB of metadata at most).
MAX_FILES_PER_CARD = 6
#: A file's name as shown (a phone's "IMG_20240101_120000.jpg" is 23).
MAX_FILE_NAME = 200
#: A MIME type: the longest registered ones are under 100 characters.
MAX_MIME_TYPE = 100
#: A file id is the SHA-256 of its bytes in lowercase hex: exactly this long.
FILE_ID_LEN = 64
#: Image sides in pixels: no photo or scan comes near; it only keeps the
#: number an ordinary small integer on both sides.
MAX_IMAGE_SIDE = 1_000_000
#: A file's size in bytes: any size a JavaScript client holds exactly (the
#: server's upload limit is far smaller; this is only the wire bound).
MAX_FILE_SIZE = 2**53 - 1
#: Link previews (Open Graph, fetched by the server): a title, a short
#: description and a site name as sites give them, cut to what a card shows.
MAX_PREVIEW_TITLE = 300
MAX_PREVIEW_DESCRIPTION = 1000
MAX_PREVIEW_SITE = 100
#: Tags on a card: enough to find a question or offer by theme (vraag en
#: aanbod), few enough to show under a card.
MAX_TAGS = 10
#: One tag: a word or two ("tuinieren", "nederlandse les").
MAX_TAG = 40
#: How to reach the owner of a question or offer: a phone number, an email
#: address or "ask at the desk" — a line, not a letter.
MAX_CONTACT = 200
#: Latest expiry (ms since the epoch): 1 January 2100. A question or offer
#: that must live longer does not need to expire.
MAX_EXPIRES = 4_102_444_800_000

#: Events per ``events`` frame in a resume replay; bounds frame size.
REPLAY_BATCH = 500
