"""Cluster URLs and the per-shard pub/sub helpers (no Redis needed)."""

from __future__ import annotations

import pytest
from redis.crc import key_slot

from server.engine.bus import _batches, _Master, shard_probe
from server.engine.client import UrlError, is_cluster_url, parse_cluster_url


def test_a_plain_url_is_not_a_cluster_url() -> None:
    for url in ("redis://h:6379/0", "rediss://h", "unix:///tmp/v.sock", "valkey://h"):
        assert parse_cluster_url(url) is None
        assert not is_cluster_url(url)


def test_cluster_url_with_seeds_credentials_and_tls() -> None:
    target = parse_cluster_url("rediss+cluster://app:p%40ss@10.0.0.1:7000,[::1]:7001,vk/")
    assert target is not None
    assert target.seeds == (("10.0.0.1", 7000), ("::1", 7001), ("vk", 6379))
    assert (target.username, target.password, target.tls) == ("app", "p@ss", True)
    assert target.node_kwargs() == {"username": "app", "password": "p@ss", "ssl": True}
    plain = parse_cluster_url("REDIS+CLUSTER://h:1")
    assert plain is not None and plain.seeds == (("h", 1),) and not plain.tls
    assert plain.username is None and plain.password is None


@pytest.mark.parametrize(
    "url", ["redis+cluster://", "redis+cluster://,", "redis+cluster://h:port", "redis+cluster://:1"]
)
def test_a_cluster_url_without_a_usable_seed_is_refused(url: str) -> None:
    with pytest.raises(UrlError):
        parse_cluster_url(url)


def test_each_shard_gets_a_probe_channel_in_its_own_slots() -> None:
    masters = [
        _Master("a", 1, ((0, 5460),)),
        _Master("b", 2, ((5461, 10922),)),
        _Master("c", 3, ((10923, 16383),)),
        _Master("d", 4, ((100, 100), (9000, 9001))),  # a few slots only
    ]
    probes = [shard_probe("node-1", m) for m in masters]
    assert len(set(probes)) == len(probes)
    for master, probe in zip(masters, probes, strict=True):
        assert master.owns(key_slot(probe.encode()))
        assert probe.startswith("{n:node-1:") and probe.endswith("}:probe")


def test_resubscribes_stay_within_one_slot_per_command_on_a_cluster() -> None:
    channels = [f"{{b:{i}}}:{kind}" for i in range(50) for kind in ("ev", "pc")]
    batches = _batches(channels, cluster=True)
    assert sorted(c for b in batches for c in b) == sorted(channels)
    for batch in batches:
        assert len({key_slot(c.encode()) for c in batch}) == 1
    # One server: any channels together, RESUBSCRIBE_BATCH at a time.
    assert _batches(channels, cluster=False) == [channels]
