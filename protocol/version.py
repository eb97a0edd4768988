"""Protocol version: an integer bumped on every incompatible wire change."""

PROTOCOL_VERSION = 1
#: The WebSocket subprotocol a client must offer; carries the major version so a
#: proxy log already tells which protocol a connection spoke.
SUBPROTOCOL = f"prikbord.v{PROTOCOL_VERSION}"
