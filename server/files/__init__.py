"""Photos and files on cards (issue 13): upload, store, serve, collect.

Files are not board events: the bytes live in a :class:`~server.files.store.BlobStore`
(the data directory, or S3), keyed by the sha256 of the stored bytes, and each
board keeps a registry in Redis of the files it may reference. Cards carry
:class:`protocol.model.Attachment` values; the server rewrites their facts from
the registry, so a client cannot lie about a file.
"""
