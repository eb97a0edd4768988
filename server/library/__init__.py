"""The re-use library: templates, duplicate/remix, export and import, search,
copying a card between boards.

Pure parts (the export document, its validation, the CSV/Markdown/print
renderers, the built-in templates, search matching) never touch Redis; the
I/O parts (``boards.py``, ``saved.py``, ``routes.py``) talk to the engine
through ``server.engine.store.Store`` like every other package.
"""
