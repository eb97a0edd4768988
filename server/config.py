"""Server settings: one frozen object, read from the environment.

``prikbord serve`` turns its flags into these environment variables so that
every uvicorn worker process (``--workers N``) reads the same settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from protocol import limits

ENV_PREFIX = "PRIKBORD_"


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    #: None: the embedded Valkey started by ``prikbord serve`` (its URL is
    #: passed down as ``redis_url`` by the CLI before workers start).
    redis_url: str = "redis://127.0.0.1:6379/0"
    data_dir: Path = Path("data")
    #: Base URL for links handed out (``POST /api/boards``); empty = from the
    #: request's own Host header.
    public_url: str = ""
    #: Signing secret for links and identities (``PRIKBORD_SECRET``), or a
    #: file holding it (``PRIKBORD_SECRET_FILE``; the embedded server's is
    #: ``<data>/secret``). Never kept in Redis (server/secret.py).
    secret: str = ""
    secret_file: str = ""
    #: Wrong access codes one client IP may send per window (SPEC §2); after
    #: that every code from it is refused (4107) until the window ends. A hub
    #: room of 30-60 people behind one NAT address makes a few typos; a
    #: guesser gets 20 tries per 5 minutes (~5,800 a day for a 10,000-code
    #: space of 4 digits: use 6 or more characters on a public server).
    access_code_failures: int = 20
    access_code_window_s: int = 300
    allowed_origins: tuple[str, ...] = ()
    #: Events queued for one connection before it counts as a slow consumer.
    #: 2,048 events ≈ 20 s of a very busy brainstorm: a healthy client never
    #: gets near it; a stalled one is cut off before it costs real memory.
    send_queue_max: int = 2048
    #: Write the fan-out's prebuilt WebSocket frames straight to each
    #: socket's transport (server/framewriter.py) where uvicorn's
    #: websockets-sansio serves it without deflate; off: every frame goes
    #: through the ASGI send (to compare, or should the seam ever misbehave).
    direct_frames: bool = True
    #: Take a snapshot every N events; joins then replay at most N events.
    snapshot_every: int = 1000
    #: Events kept in the log behind the newest snapshot, for resumes.
    log_retain: int = 10_000
    #: The exactly-once window (SPEC §6): an op id is remembered for its
    #: board's next 10,000 events (as far back as a resume reaches: the log
    #: keeps ``log_retain`` events) and at least 24 hours, so a laptop closed
    #: overnight with an op in flight still resends it safely. Memory: ~0.9 MB
    #: per board at the count bound (README, "Redis memory per board"); an
    #: idle board's window expires entirely after ``dedupe_ms``.
    dedupe_window: int = 10_000
    dedupe_ms: int = 24 * 3600 * 1000
    #: Replicas that must hold an append before it is acked (Redis ``WAIT``
    #: on the append's own connection). 0 = off: right for one server (the
    #: embedded Valkey fsyncs every write) and the default everywhere; set
    #: it to 1 with replicas, so a master killed right after an ack loses
    #: nothing a failover promotes. Without it a failover can drop the last
    #: acked events; the divergence check then gives the board a new epoch.
    wait_replicas: int = 0
    #: How long an append waits for those replicas; past it the op is
    #: refused as unavailable (101) and the client resends it (exactly once).
    #: 500 ms: a replica on the same network confirms in ~1 ms; a longer
    #: stall means it is gone, and a client should not hang on it.
    wait_timeout_ms: int = 500
    #: Per-connection op rate limit (SPEC §4); raise it for load tests only.
    ops_per_second: float = limits.OPS_PER_SECOND
    ops_burst: int = limits.OPS_BURST
    #: Ops per second per actor (all its sockets, on every node) and per
    #: client IP, per board: counted in the board's append script, so they
    #: hold across sockets and nodes at no extra round trip (issue 8: 12
    #: sockets added 5,000 cards in 18 s). Per actor: what one connection
    #: may do — more tabs do not make a person type faster. Per IP: a hub
    #: room of 30-60 people shares one NAT address; 50 ops/s with a burst
    #: of 200 (a few cards each, at once) is far above a real session and
    #: keeps a script at 50 cards/s. 0 turns a limit off.
    actor_ops_per_second: float = limits.OPS_PER_SECOND
    actor_ops_burst: int = limits.OPS_BURST
    ip_ops_per_second: float = 50.0
    ip_ops_burst: int = 200
    #: Open WebSockets per client IP on one node, handshakes included: a
    #: hub room behind one NAT address (60 people, a tab or two each, the
    #: wall screens) stays well below; 1,500 sockets from a script do not.
    max_ws_per_ip: int = 200
    #: Open WebSockets per board across all nodes (counted in Redis, with
    #: expiry so a crashed node's count fades): twice a lecture hall on one
    #: board, since a redeploy briefly counts a reconnecting client twice.
    max_ws_per_board: int = 1000
    #: ``/j/<code>`` lookups per client IP per minute: a room joining by QR
    #: code behind one address is a few dozen; guessing codes stays at 2/s.
    join_lookups_per_minute: int = 120
    #: Slowloris guard (server/httpguard.py). A request's headers must be
    #: complete this long after its first byte (or the connection's start);
    #: a browser sends them in one packet, a slowloris one byte at a time.
    http_header_timeout_s: float = 10.0
    #: A request body must be complete this long after its headers: our
    #: bodies are a few KiB of JSON, even over a bad phone link.
    http_body_timeout_s: float = 30.0
    #: Open HTTP connections per client IP per worker (not counted once
    #: upgraded to a WebSocket, nor from a trusted proxy): browsers open at
    #: most 6 per host, so 256 is ~40 browsers behind one NAT loading at the
    #: same instant, and a quarter of a 1,024-descriptor limit.
    max_http_per_ip: int = 256
    #: Proxies whose ``X-Forwarded-For``/``-Proto`` are believed (comma-
    #: separated IPs or networks, uvicorn's ``forwarded_allow_ips``); empty:
    #: proxy headers are ignored, so a client cannot pick its own address.
    trusted_proxies: tuple[str, ...] = ()
    #: Bearer token for ``/metrics``; empty: ``/metrics`` is off (404), since
    #: the counters tell an attacker what hurts.
    metrics_token: str = ""
    heartbeat_ms: int = 15_000
    #: A socket that sends no ``hello`` within this time is closed (4004):
    #: half-open sockets must not hold server memory.
    hello_timeout_s: float = 10.0
    #: Presence entries expire this long after their node stopped refreshing
    #: them: long enough to ride out a redeploy without leave/join floods.
    #: Nodes refresh every third of it and sweep expired entries as they go.
    presence_ttl_ms: int = 45_000
    #: Keep a board's state in memory this long after its last local viewer
    #: left, so a reconnect storm does not reload it from Redis.
    hub_linger_s: float = 30.0
    #: Redis connections of one node (its command pool; pub/sub has its own).
    #: When all are busy a command waits up to ``redis_pool_wait_s`` for one
    #: instead of failing: a reconnect storm of a thousand joins queues for a
    #: few milliseconds rather than getting "Too many connections" (4003).
    #: 256 sockets stay far below Redis's default 10,000 clients per node.
    redis_pool_size: int = 256
    redis_pool_wait_s: float = 5.0
    #: Board creation (``POST /api/boards``) without logging in. Off: on a
    #: public server anyone could fill Redis with boards (issue 8: 4,186
    #: boards in 20 s). A hub behind its own network may turn it on.
    open_board_creation: bool = False
    #: Boards one IP may create per window when creation is open: a
    #: workshop behind one NAT address makes a few dozen an hour, a script
    #: that floods stays at ~60 boards of ~5 KB an hour (bounded Valkey memory).
    create_boards_per_ip: int = 60
    create_boards_window_s: int = 3600
    #: Boards one account may create per window: far above a facilitator's
    #: day, and a bound on what a leaked password can cost in memory.
    create_boards_per_account: int = 200
    #: Login attempts per client IP per window: a hub PC behind one address
    #: with a dozen facilitators logging in is fine; a brute force gets 30
    #: guesses per 10 minutes.
    logins_per_ip: int = 30
    #: Login attempts per account per window, from anywhere: ten typos in 10
    #: minutes is already a lot; a spread-out guesser gets ~1,400 a day.
    logins_per_account: int = 10
    logins_window_s: int = 600
    #: A login session ends after this long unused (logout and disabling the
    #: account end it at once): a facilitator who comes back weekly logs in
    #: weekly.
    session_idle_s: int = 7 * 24 * 3600
    #: … and this long after the login at the latest, however busy.
    session_max_s: int = 30 * 24 * 3600
    #: The one-time first-run setup link (printed by ``prikbord serve`` while
    #: no account exists) works this long: a day to read it from the logs.
    setup_token_ttl_s: int = 24 * 3600
    #: Where file bytes live (issue 13): ``local`` (``<data>/files``, shared
    #: by the nodes through a volume) or ``s3`` (an S3-compatible object
    #: store, server/files/s3.py, for nodes on several machines).
    files_store: str = "local"
    #: The bucket, and a key prefix inside it (several servers may share a
    #: bucket; empty: the bucket's root).
    files_s3_bucket: str = ""
    files_s3_prefix: str = ""
    #: The store's URL (MinIO, Garage, Ceph, ...); empty: AWS S3 itself.
    files_s3_endpoint: str = ""
    files_s3_region: str = "us-east-1"
    #: Credentials; both empty: the AWS SDK's own chain (AWS_* variables,
    #: an instance role). Never logged (the secret is left out of repr).
    files_s3_access_key: str = ""
    files_s3_secret_key: str = field(default="", repr=False)
    #: ``path`` (bucket in the path: what MinIO, Garage and most self-hosted
    #: stores want), ``virtual`` (bucket in the host name) or ``auto``
    #: (path with an endpoint, virtual on AWS).
    files_s3_addressing: str = "auto"
    #: HTTP connections one node keeps to the store: a hub screen loading
    #: 200 thumbnails and a few uploads at once queue briefly on 16, and 16
    #: sockets per node is nothing to any object store.
    files_s3_max_connections: int = 16
    #: Files larger than this go up as multipart uploads in parts of this
    #: size: S3's smallest part is 5 MiB; 8 MiB is the AWS CLI's default,
    #: and an upload holds one part in memory at a time.
    files_s3_part_bytes: int = 8 * 1024 * 1024
    #: Connect timeout to the store: a store that does not answer in 5 s is
    #: down, and an upload or a file read says so (503) instead of hanging.
    files_s3_connect_timeout_s: float = 5.0
    #: Time without a byte on an open request: 60 s covers a slow part
    #: upload from a busy store.
    files_s3_read_timeout_s: float = 60.0
    #: Link previews (server/previews/): fetch a card's URL for its title,
    #: description and image. Off: no fetches at all.
    previews: bool = True
    #: Pages fetched at once by one node: each holds a socket and up to the
    #: byte limits below; 4 keeps a board where 30 people paste links from
    #: costing more than a few MiB, and others wait their turn.
    preview_concurrency: int = 4
    #: Previews waiting for a slot on one node: past 256 (a script pasting
    #: links into every card) a link simply gets no preview, rather than
    #: the node holding a growing queue of tasks.
    preview_queue_max: int = 256
    #: Connect timeout per hop, and the whole fetch (page, redirects and
    #: image): a preview is a nicety; a slow site must not hold a slot.
    preview_connect_timeout_s: float = 3.0
    preview_timeout_s: float = 10.0
    #: Bytes of a page read at most: only its <head> is needed, and real
    #: heads (with inline styles and scripts) stay well under 512 KiB.
    preview_max_html_bytes: int = 512 * 1024
    #: Bytes of an og:image read at most: a 5 MiB photo is already large;
    #: it is re-encoded and shrunk like an upload.
    preview_max_image_bytes: int = 5 * 1024 * 1024
    #: Redirect hops followed (each re-checked): real short links use 1-3.
    preview_max_redirects: int = 5
    #: How long a fetched preview (or a failure) is kept in Redis by URL, so
    #: a link pasted in 30 cards is fetched once: a day.
    preview_cache_ttl_s: int = 24 * 3600
    #: A failed fetch (site down, too slow, no page) is remembered shorter:
    #: 10 minutes still spares the site the other 29 cards of a paste, and
    #: a site that was briefly away gets another chance the same session.
    preview_failure_ttl_s: int = 600
    #: TESTS ONLY: one loopback port previews may reach (127.0.0.1 and ::1
    #: on it), so a test can serve pages; 0 (always in production): no
    #: loopback at all.
    preview_test_loopback_port: int = 0
    #: TESTS ONLY: ``name=address`` pairs the preview fetcher resolves
    #: without DNS (a test's stand-in for a hostile resolver).
    preview_test_hosts: tuple[str, ...] = ()
    #: The largest file one upload may carry (413 past it): a 12-megapixel
    #: phone photo is 3-6 MB, a 48-megapixel one ~15 MB, a slide deck with
    #: photos ~20 MB; 25 MiB takes those and keeps one upload's temp file
    #: and its thumbnail work bounded on a small hub server.
    files_max_bytes: int = 25 * 1024 * 1024
    #: Stored bytes per board (413 past it): 500 MiB is ~150 phone photos at
    #: full size (re-encoded) plus PDFs — a busy session's wall — and bounds
    #: what one leaked participant link can put on the disk.
    files_board_quota_bytes: int = 500 * 1024 * 1024
    #: Pixels an image may have (422 past it, checked on the header before
    #: any pixel is decoded: an image bomb of 50,000 x 50,000 is refused
    #: without costing memory). 50 MP covers every phone camera's default
    #: mode (48-50 MP sensors); decoded RGB it is ~150 MB, hence the
    #: concurrency bound below.
    files_max_image_pixels: int = 50_000_000
    #: Stored images are scaled down to this longest side: 4096 px is more
    #: than a 4K screen (3840) shows, so a 12 MP photo (4000 x 3000) stays
    #: whole and a 48 MP one shrinks to a quarter of the bytes.
    files_max_image_edge: int = 4096
    #: Preview images' longest side: a card on a wall is ~250 CSS px wide,
    #: 480 px is sharp on a 2x phone screen and ~20-40 KB as WebP.
    files_thumb_edge: int = 480
    #: Frames an animated GIF may have: a few seconds of animation; every
    #: frame is decoded and re-encoded.
    files_max_gif_frames: int = 300
    #: Images and PDFs decoded at once by one node: each may hold ~150 MB
    #: of pixels at the pixel cap, and a node has one or two cores for it.
    files_decode_concurrency: int = 2
    #: An uploaded file no card references is dropped after this long: the
    #: time between finishing an upload and attaching it (a person may
    #: upload, then write the card's text for a while) — an hour.
    files_unattached_grace_s: int = 3600
    #: How often each node collects unreferenced files of the boards it
    #: holds (0: only ``prikbord admin gc``): every 10 minutes is cheap (one
    #: hash read per board) and keeps a deleted photo from lingering.
    files_gc_interval_s: int = 600
    #: A file is dropped only once it stayed unreferenced this long across
    #: collector passes: an op checked against the registry just before a
    #: pass lands in the log within seconds (its Redis timeouts), so after
    #: a minute no in-flight attach can lose its file.
    files_gc_confirm_s: float = 60.0
    #: An upload's body must arrive within this time (the slowloris guard's
    #: body timeout for ``POST /api/boards/*/files``; other requests keep
    #: ``http_body_timeout_s``): 25 MiB over a poor 3G link (~60 KB/s) takes
    #: ~7 minutes.
    files_upload_timeout_s: float = 600.0
    #: Uploads per client IP per window, on every node: a class of 30 behind
    #: one NAT address each putting 10 photos on a wall in 10 minutes is
    #: 300; a script filling boards up to their quota is held to it.
    files_uploads_per_ip: int = 300
    files_uploads_window_s: int = 600
    #: Bytes of uploads on one board that no card shows yet, per device
    #: (actor) with a participant link: a person drops a batch of photos and
    #: attaches them within seconds; 100 MiB is ~30 re-encoded phone photos
    #: in flight at once, and a fifth of the board's quota, so one device
    #: cannot fill the board with files nobody sees for the grace period.
    files_unattached_per_actor_bytes: int = 100 * 1024 * 1024
    #: The same per client IP: a new device is a new actor, so this bounds a
    #: script minting actors; half the board's quota, shared by a room
    #: behind one NAT address uploading at once, leaves the rest free.
    files_unattached_per_ip_bytes: int = 250 * 1024 * 1024
    #: Bytes of one board import (a JSON export, its files in base64): the
    #: text of the biggest board the caps allow (~5,000 cards, 200 card
    #: descriptions of 16 KiB, notes of 256 KiB) is under 8 MiB, which leaves
    #: ~40 MiB of photos (a few dozen phone photos, re-encoded); the body is
    #: held in memory while it is checked, so this bounds that too. Bigger
    #: boards move with the operator's backup (prikbord admin backup).
    library_import_max_bytes: int = 64 * 1024 * 1024
    #: Exports and card copies per client IP per window, on every node: each
    #: reads a whole board (a JSON export its files too), and a public
    #: board's viewer link is on its hub's page for anyone. A class behind
    #: one address exporting its boards stays far below one a second.
    library_reads_per_ip: int = 60
    library_reads_window_s: int = 60
    #: JSON exports with files one node builds at once: each holds up to
    #: ~3x ``library_import_max_bytes`` in memory (the bytes, their base64,
    #: the JSON text); more wait their turn. Two keep a node under ~0.5 GB.
    library_export_concurrency: int = 2
    #: Imports one node reads and checks at once: a 64 MiB file is a few
    #: hundred MB of objects while it is checked (seconds of CPU, off the
    #: event loop); more wait their turn (their body unread) instead of
    #: each holding its own.
    library_import_concurrency: int = 2
    #: Saved templates per scope (one account, one hub): a template per
    #: activity type and season stays far below; it keeps one account from
    #: filling Redis with copies of big boards.
    library_saved_templates: int = 200
    #: Boards one search reads at most: a hub has a few hundred (the issue's
    #: bound); the search reads each board's state once per change.
    library_search_boards: int = 500
    #: Boards whose search text a node keeps (per board and seq): a busy
    #: hub's boards fit, and an entry is a few KiB to a few hundred KiB.
    library_search_cache: int = 600
    #: Hits one search returns: a page of results; narrower words find more.
    library_search_results: int = 100
    #: Vraag en aanbod (server/market/): boards one wall reads at most — a
    #: hub has a few hundred (as the library's search); one head read each.
    market_boards: int = 500
    #: Boards whose questions and offers a node keeps (per board and seq), so
    #: an idle hub's wall reads no board state again; an entry is small.
    market_cache: int = 600
    #: Cards one wall answer lists: a page a phone can scroll; filters by
    #: tag or state narrow it.
    market_cards: int = 1000
    #: Matching suggestions per answer: the best ones; more is noise.
    market_suggestions: int = 50
    #: How long a node answers a wall from what it gathered just before: a
    #: crowd of phones (or a script) refreshing the public wall costs one
    #: gather (a head read per board) per 2 s per wall and node; a change
    #: shows within 2 s, at once on the node it went through.
    market_wall_ttl_s: float = 2.0
    #: State changes through the wall per client IP per window: a person
    #: marks a few pairs a session; a script stays at 120 a minute.
    market_states_per_ip: int = 120
    market_states_window_s: int = 60
    #: How often each node runs the hubs' agenda lifecycle (boards made at an
    #: activity's start, frozen at its end; server/hubs/lifecycle.py): a board
    #: is ready within 15 s of the start, and a tick is one small read per hub.
    #: 0 turns it off.
    hub_tick_s: float = 15.0
    #: Public visit requests (a hub's form, no login) per client IP per
    #: window: a school sends one or two; a script stays at 10 an hour.
    visit_requests_per_ip: int = 10
    visit_requests_window_s: int = 3600
    #: Visit requests per hub per window, from all addresses together: a hub
    #: gets a few a week; a flood from many addresses (an IPv6 /64 is
    #: millions) stays at 100 a day, which its coordinators can decline.
    visit_requests_per_hub: int = 100
    visit_requests_hub_window_s: int = 86400
    node_name: str = field(default_factory=lambda: f"{os.uname().nodename}-{os.getpid()}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)

        def get(name: str, default: str) -> str:
            return e.get(ENV_PREFIX + name, default)

        base = cls()
        origins = tuple(o.strip() for o in get("ALLOWED_ORIGINS", "").split(",") if o.strip())
        return cls(
            redis_url=get("REDIS_URL", base.redis_url),
            data_dir=Path(get("DATA", str(base.data_dir))),
            public_url=get("PUBLIC_URL", base.public_url).rstrip("/"),
            secret=get("SECRET", base.secret),
            secret_file=get("SECRET_FILE", base.secret_file),
            access_code_failures=int(get("ACCESS_CODE_FAILURES", str(base.access_code_failures))),
            access_code_window_s=int(get("ACCESS_CODE_WINDOW_S", str(base.access_code_window_s))),
            allowed_origins=origins,
            send_queue_max=int(get("SEND_QUEUE_MAX", str(base.send_queue_max))),
            direct_frames=get("DIRECT_FRAMES", "1" if base.direct_frames else "0") == "1",
            snapshot_every=int(get("SNAPSHOT_EVERY", str(base.snapshot_every))),
            log_retain=int(get("LOG_RETAIN", str(base.log_retain))),
            dedupe_window=int(get("DEDUPE_WINDOW", str(base.dedupe_window))),
            dedupe_ms=int(get("DEDUPE_MS", str(base.dedupe_ms))),
            wait_replicas=int(get("WAIT_REPLICAS", str(base.wait_replicas))),
            wait_timeout_ms=int(get("WAIT_TIMEOUT_MS", str(base.wait_timeout_ms))),
            ops_per_second=float(get("OPS_PER_SECOND", str(base.ops_per_second))),
            ops_burst=int(get("OPS_BURST", str(base.ops_burst))),
            actor_ops_per_second=float(get("ACTOR_OPS_PER_SECOND", str(base.actor_ops_per_second))),
            actor_ops_burst=int(get("ACTOR_OPS_BURST", str(base.actor_ops_burst))),
            ip_ops_per_second=float(get("IP_OPS_PER_SECOND", str(base.ip_ops_per_second))),
            ip_ops_burst=int(get("IP_OPS_BURST", str(base.ip_ops_burst))),
            max_ws_per_ip=int(get("MAX_WS_PER_IP", str(base.max_ws_per_ip))),
            max_ws_per_board=int(get("MAX_WS_PER_BOARD", str(base.max_ws_per_board))),
            join_lookups_per_minute=int(
                get("JOIN_LOOKUPS_PER_MINUTE", str(base.join_lookups_per_minute))
            ),
            http_header_timeout_s=float(
                get("HTTP_HEADER_TIMEOUT_S", str(base.http_header_timeout_s))
            ),
            http_body_timeout_s=float(get("HTTP_BODY_TIMEOUT_S", str(base.http_body_timeout_s))),
            max_http_per_ip=int(get("MAX_HTTP_PER_IP", str(base.max_http_per_ip))),
            trusted_proxies=_csv(get("TRUSTED_PROXIES", "")),
            metrics_token=get("METRICS_TOKEN", base.metrics_token),
            heartbeat_ms=int(get("HEARTBEAT_MS", str(base.heartbeat_ms))),
            hello_timeout_s=float(get("HELLO_TIMEOUT_S", str(base.hello_timeout_s))),
            presence_ttl_ms=int(get("PRESENCE_TTL_MS", str(base.presence_ttl_ms))),
            hub_linger_s=float(get("HUB_LINGER_S", str(base.hub_linger_s))),
            redis_pool_size=int(get("REDIS_POOL_SIZE", str(base.redis_pool_size))),
            redis_pool_wait_s=float(get("REDIS_POOL_WAIT_S", str(base.redis_pool_wait_s))),
            open_board_creation=get("OPEN_BOARD_CREATION", "0") not in ("0", "false", "no", ""),
            create_boards_per_ip=int(get("CREATE_BOARDS_PER_IP", str(base.create_boards_per_ip))),
            create_boards_window_s=int(
                get("CREATE_BOARDS_WINDOW_S", str(base.create_boards_window_s))
            ),
            create_boards_per_account=int(
                get("CREATE_BOARDS_PER_ACCOUNT", str(base.create_boards_per_account))
            ),
            logins_per_ip=int(get("LOGINS_PER_IP", str(base.logins_per_ip))),
            logins_per_account=int(get("LOGINS_PER_ACCOUNT", str(base.logins_per_account))),
            logins_window_s=int(get("LOGINS_WINDOW_S", str(base.logins_window_s))),
            session_idle_s=int(get("SESSION_IDLE_S", str(base.session_idle_s))),
            session_max_s=int(get("SESSION_MAX_S", str(base.session_max_s))),
            setup_token_ttl_s=int(get("SETUP_TOKEN_TTL_S", str(base.setup_token_ttl_s))),
            files_store=get("FILES_STORE", base.files_store),
            files_s3_bucket=get("FILES_S3_BUCKET", base.files_s3_bucket),
            files_s3_prefix=get("FILES_S3_PREFIX", base.files_s3_prefix),
            files_s3_endpoint=get("FILES_S3_ENDPOINT", base.files_s3_endpoint),
            files_s3_region=get("FILES_S3_REGION", base.files_s3_region),
            files_s3_access_key=get("FILES_S3_ACCESS_KEY", base.files_s3_access_key),
            files_s3_secret_key=get("FILES_S3_SECRET_KEY", base.files_s3_secret_key),
            files_s3_addressing=get("FILES_S3_ADDRESSING", base.files_s3_addressing),
            files_s3_max_connections=int(
                get("FILES_S3_MAX_CONNECTIONS", str(base.files_s3_max_connections))
            ),
            files_s3_part_bytes=int(get("FILES_S3_PART_BYTES", str(base.files_s3_part_bytes))),
            files_s3_connect_timeout_s=float(
                get("FILES_S3_CONNECT_TIMEOUT_S", str(base.files_s3_connect_timeout_s))
            ),
            files_s3_read_timeout_s=float(
                get("FILES_S3_READ_TIMEOUT_S", str(base.files_s3_read_timeout_s))
            ),
            previews=get("PREVIEWS", "1") not in ("0", "false", "no", ""),
            preview_concurrency=int(get("PREVIEW_CONCURRENCY", str(base.preview_concurrency))),
            preview_queue_max=int(get("PREVIEW_QUEUE_MAX", str(base.preview_queue_max))),
            preview_connect_timeout_s=float(
                get("PREVIEW_CONNECT_TIMEOUT_S", str(base.preview_connect_timeout_s))
            ),
            preview_timeout_s=float(get("PREVIEW_TIMEOUT_S", str(base.preview_timeout_s))),
            preview_max_html_bytes=int(
                get("PREVIEW_MAX_HTML_BYTES", str(base.preview_max_html_bytes))
            ),
            preview_max_image_bytes=int(
                get("PREVIEW_MAX_IMAGE_BYTES", str(base.preview_max_image_bytes))
            ),
            preview_max_redirects=int(
                get("PREVIEW_MAX_REDIRECTS", str(base.preview_max_redirects))
            ),
            preview_cache_ttl_s=int(get("PREVIEW_CACHE_TTL_S", str(base.preview_cache_ttl_s))),
            preview_failure_ttl_s=int(
                get("PREVIEW_FAILURE_TTL_S", str(base.preview_failure_ttl_s))
            ),
            preview_test_loopback_port=int(get("PREVIEW_TEST_LOOPBACK_PORT", "0")),
            preview_test_hosts=_csv(get("PREVIEW_TEST_HOSTS", "")),
            files_max_bytes=int(get("FILES_MAX_BYTES", str(base.files_max_bytes))),
            files_board_quota_bytes=int(
                get("FILES_BOARD_QUOTA_BYTES", str(base.files_board_quota_bytes))
            ),
            files_max_image_pixels=int(
                get("FILES_MAX_IMAGE_PIXELS", str(base.files_max_image_pixels))
            ),
            files_max_image_edge=int(get("FILES_MAX_IMAGE_EDGE", str(base.files_max_image_edge))),
            files_thumb_edge=int(get("FILES_THUMB_EDGE", str(base.files_thumb_edge))),
            files_max_gif_frames=int(get("FILES_MAX_GIF_FRAMES", str(base.files_max_gif_frames))),
            files_decode_concurrency=int(
                get("FILES_DECODE_CONCURRENCY", str(base.files_decode_concurrency))
            ),
            files_unattached_grace_s=int(
                get("FILES_UNATTACHED_GRACE_S", str(base.files_unattached_grace_s))
            ),
            files_gc_interval_s=int(get("FILES_GC_INTERVAL_S", str(base.files_gc_interval_s))),
            files_gc_confirm_s=float(get("FILES_GC_CONFIRM_S", str(base.files_gc_confirm_s))),
            files_upload_timeout_s=float(
                get("FILES_UPLOAD_TIMEOUT_S", str(base.files_upload_timeout_s))
            ),
            files_uploads_per_ip=int(get("FILES_UPLOADS_PER_IP", str(base.files_uploads_per_ip))),
            files_uploads_window_s=int(
                get("FILES_UPLOADS_WINDOW_S", str(base.files_uploads_window_s))
            ),
            files_unattached_per_actor_bytes=int(
                get("FILES_UNATTACHED_PER_ACTOR_BYTES", str(base.files_unattached_per_actor_bytes))
            ),
            files_unattached_per_ip_bytes=int(
                get("FILES_UNATTACHED_PER_IP_BYTES", str(base.files_unattached_per_ip_bytes))
            ),
            library_import_max_bytes=int(
                get("LIBRARY_IMPORT_MAX_BYTES", str(base.library_import_max_bytes))
            ),
            library_reads_per_ip=int(get("LIBRARY_READS_PER_IP", str(base.library_reads_per_ip))),
            library_reads_window_s=int(
                get("LIBRARY_READS_WINDOW_S", str(base.library_reads_window_s))
            ),
            library_export_concurrency=int(
                get("LIBRARY_EXPORT_CONCURRENCY", str(base.library_export_concurrency))
            ),
            library_import_concurrency=int(
                get("LIBRARY_IMPORT_CONCURRENCY", str(base.library_import_concurrency))
            ),
            library_saved_templates=int(
                get("LIBRARY_SAVED_TEMPLATES", str(base.library_saved_templates))
            ),
            library_search_boards=int(
                get("LIBRARY_SEARCH_BOARDS", str(base.library_search_boards))
            ),
            library_search_cache=int(get("LIBRARY_SEARCH_CACHE", str(base.library_search_cache))),
            library_search_results=int(
                get("LIBRARY_SEARCH_RESULTS", str(base.library_search_results))
            ),
            market_boards=int(get("MARKET_BOARDS", str(base.market_boards))),
            market_cache=int(get("MARKET_CACHE", str(base.market_cache))),
            market_cards=int(get("MARKET_CARDS", str(base.market_cards))),
            market_suggestions=int(get("MARKET_SUGGESTIONS", str(base.market_suggestions))),
            market_wall_ttl_s=float(get("MARKET_WALL_TTL_S", str(base.market_wall_ttl_s))),
            market_states_per_ip=int(get("MARKET_STATES_PER_IP", str(base.market_states_per_ip))),
            market_states_window_s=int(
                get("MARKET_STATES_WINDOW_S", str(base.market_states_window_s))
            ),
            hub_tick_s=float(get("HUB_TICK_S", str(base.hub_tick_s))),
            visit_requests_per_ip=int(
                get("VISIT_REQUESTS_PER_IP", str(base.visit_requests_per_ip))
            ),
            visit_requests_window_s=int(
                get("VISIT_REQUESTS_WINDOW_S", str(base.visit_requests_window_s))
            ),
            visit_requests_per_hub=int(
                get("VISIT_REQUESTS_PER_HUB", str(base.visit_requests_per_hub))
            ),
            visit_requests_hub_window_s=int(
                get("VISIT_REQUESTS_HUB_WINDOW_S", str(base.visit_requests_hub_window_s))
            ),
            node_name=get("NODE_NAME", base.node_name),
        )
