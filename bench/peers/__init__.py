"""Comparison servers for the benchmark: the same fan-out with nothing else.

They are benchmark code, not product. Each serves ``/ws`` (subscribers; it
sends one ``ready`` frame once the socket is registered) and ``/pub``
(a publisher's frames are published to Redis as they are), and each node
delivers only what comes back from Redis pub/sub, like Prikbord does.
"""
