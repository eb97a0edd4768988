"""The ``prikbord`` command: dispatches to the server or the client CLI."""
