/** Every bound of the protocol, mirrored from protocol/limits.py. Forms use
 * the same numbers so a user sees the limit before the server refuses. */
export const MAX_CLIENT_FRAME = 64 * 1024;
/** Bytes; holds the longest field (4000 characters) at 4 bytes each. */
export const MAX_STR_LEN = 16 * 1024;
export const MAX_BIN_LEN = 0;
export const MAX_ARRAY_LEN = 64;
export const MAX_MAP_LEN = 32;

export const MAX_ID = 40;
export const MAX_OP_ID = 64;
export const MAX_NAME = 40;
export const MAX_BOARD_TITLE = 120;
export const MAX_SECTION_TITLE = 80;
export const MAX_CARD_TITLE = 200;
export const MAX_CARD_BODY = 4000;
export const MAX_COMMENT = 1000;
export const MAX_URL = 2000;
export const MAX_POS = 64;
export const MAX_TOKEN = 512;
/** A board's access code: letters and digits (SPEC §2). */
export const MIN_ACCESS_CODE = 4;
export const MAX_ACCESS_CODE = 32;
/** An error frame repeats a refused frame's op id cut to this many characters. */
export const MAX_ERROR_OP_ID = 256;
export const MAX_COORD = 10_000;

/** Caps (SPEC §5): live objects count toward MAX_*; every entry, tombstones
 * included, toward MAX_*_ENTRIES. */
export const MAX_CARDS = 5000;
export const MAX_CARD_ENTRIES = 20_000;
export const MAX_SECTIONS = 50;
export const MAX_SECTION_ENTRIES = 200;
export const MAX_COMMENTS = 20_000;
export const MAX_COMMENT_ENTRIES = 50_000;
/** Largest time a client may name (posts.delete `since`): 2^53 - 1. */
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;

export const DEFAULT_VOTE_BUDGET = 5;
export const MAX_VOTE_BUDGET = 100;

export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = `prikbord.v${PROTOCOL_VERSION}`;

/** Extra words of a board's word filter (beside the default lists). */
export const MAX_FILTER_WORDS = 50;
export const MAX_FILTER_WORD = 40;
/** A countdown of up to a day: sessions, not project deadlines. */
export const MAX_TIMER_SECONDS = 24 * 3600;

// Card attachments, tags and the question/offer fields (issues 13, 14).
/** Files on one card: a handful of photos or handouts. */
export const MAX_FILES_PER_CARD = 6;
export const MAX_FILE_NAME = 200;
export const MAX_MIME_TYPE = 100;
/** A file id is the SHA-256 of its bytes in lowercase hex. */
export const FILE_ID_LEN = 64;
export const MAX_IMAGE_SIDE = 1_000_000;
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
/** Link previews (Open Graph, made by the server only). */
export const MAX_PREVIEW_TITLE = 300;
export const MAX_PREVIEW_DESCRIPTION = 1000;
export const MAX_PREVIEW_SITE = 100;
export const MAX_TAGS = 10;
export const MAX_TAG = 40;
/** How to reach the owner of a question or offer: a line, not a letter. */
export const MAX_CONTACT = 200;
/** Latest expiry (ms since the epoch): 1 January 2100. */
export const MAX_EXPIRES = 4_102_444_800_000;
