"""Integration fixtures: a real Valkey and real server processes."""

from tests.support.cluster import Nodes, nodes, valkey

__all__ = ["Nodes", "nodes", "valkey"]
