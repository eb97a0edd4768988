"""Vraag en aanbod (issue 14): the hub-wide wall of question and offer cards,
gathered from the boards of a hub, and the matching suggestions.

``matching`` is pure (no I/O: time is passed in), ``wall`` reads boards,
``routes`` is the REST API.
"""
