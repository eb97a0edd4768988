"""Hubs: the physical places, their open agenda and their boards (issue 14).

Not board events: hubs live in their own Redis keys, all under the hash tag
``{hubs}`` (one Redis Cluster shard: five hubs and a few thousand activities
fit on one easily, and the scripts that touch a hub and its index together
stay atomic). The board log stays the board's; a hub only names boards.

* ``fields``, ``model``, ``agenda`` — pure: the field rules; hubs;
  activities and visit requests (no I/O, no clock: ``now`` is passed in).
* ``keys``, ``store`` — Redis I/O.
* ``screen`` — the hub screen's token, and what it shows now (pure part).
* ``feeds`` — iCalendar and Atom.
* ``lifecycle`` — boards made when an activity starts, frozen when it ends.
* ``routes`` (REST for managers), ``public`` (REST without login: visit
  requests, the agenda, the screen's ``/now``), ``pages`` (public HTML),
  ``cli`` (``prikbord hub``), ``service`` (what a node holds of hubs).
"""
