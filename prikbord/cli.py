"""``prikbord serve …`` runs a server node, ``prikbord admin …``,
``prikbord user …``, ``prikbord hub …`` and ``prikbord backup …`` act on
its Redis; every other command is a client.

Server and client never import each other, so this dispatcher imports the
side it needs lazily.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "serve":
        from server.cli import main as serve_main

        return serve_main(args[1:])
    # ``prikbord restore LINK NAME`` is the client's (a removed participant):
    # restoring a backup is an admin command; ``prikbord backup`` is short.
    if args[:1] == ["backup"]:
        from server.backup import main as backup_main

        return backup_main("backup", args[1:])
    if args and args[0] == "admin":  # every operator command (server/admin.py lists them)
        from server.admin import main as admin_main

        return admin_main(args[1:])
    if args and args[0] == "hub":
        from server.hubs.cli import main as hub_main

        return hub_main(args[1:])
    if args and args[0] == "user":
        from server.accounts.cli import main as user_main

        return user_main(args[1:])
    from client.cli import main as client_main

    code: int = client_main(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
