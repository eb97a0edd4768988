"""Accounts: facilitators, hub coordinators and administrators who log in.

Participants stay account-free (a name and a link); accounts are for the
people who create and keep boards. The package talks to Redis on its own
keys (``prikbord:account:…``, ``prikbord:session:…``) and to boards only
through their meta hash and key names, never through the board log's
internals:

* ``passwords`` — argon2id hashes, rehash on login, constant-ish failures.
* ``store`` — the accounts themselves (role, disabled flag, hash).
* ``sessions`` — server-side login sessions behind a signed cookie.
* ``csrf`` — Origin / Sec-Fetch-Site and token checks for cookie requests.
* ``setup`` — the one-time link that creates the first administrator.
* ``boards`` — who owns which board ("my boards"): list, rename, archive,
  delete.
* ``auth`` — which account a request speaks for, and the checks every
  state-changing request passes.
* ``routes`` — the REST endpoints; ``cli`` — ``prikbord user …``.
"""
