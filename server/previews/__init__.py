"""Link previews (issue 13): a card's URL fetched by the server for its title,
description, site name and image (Open Graph, Twitter cards, <title>).

- :mod:`~server.previews.addresses` — which addresses a fetch may reach (pure).
- :mod:`~server.previews.parse` — the page's <head> to preview fields (pure).
- :mod:`~server.previews.fetch` — the guarded HTTP client: resolves names
  itself, connects only to checked addresses, re-checks every redirect,
  reads bounded bytes within bounded time.
- :mod:`~server.previews.service` — the node's worker: after a card's URL is
  acked, fetch (cached in Redis by URL), store the image as a file of the
  board, and append the preview as a ``card.set`` by the server.
"""
