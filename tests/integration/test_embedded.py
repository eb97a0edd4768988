"""EmbeddedValkey against real valkey-server processes: no mocks."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import redis

from server.embedded import EmbeddedValkey, EmbeddedValkeyError
from tests.support.valkey import start_valkey, valkey_fixture

# Every wait in this module is a multiple of this; raise it on a slow machine.
UNIT = float(os.environ.get("PRIKBORD_TEST_TIMEOUT_UNIT", "1.0"))
REPO = Path(__file__).resolve().parents[2]

valkey = valkey_fixture()


def _alive(pid: int) -> bool:
    """Running, not a zombie (an orphan's zombie may wait for a lax init)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _wait_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5 * UNIT)


def test_answers_ping_with_durable_config(valkey: EmbeddedValkey) -> None:
    assert valkey.url == f"unix://{valkey.data_dir / 'valkey.sock'}"
    client = _client(valkey.url)
    try:
        assert client.ping()
        config = client.config_get("*")
    finally:
        client.close()
    assert config["appendonly"] == "yes"
    assert config["appendfsync"] == "always"
    assert config["save"] == ""
    assert config["port"] == "0"  # no TCP listener
    assert config["unixsocketperm"] == "700"
    assert config["maxmemory-policy"] == "noeviction"
    assert stat.S_IMODE(os.stat(valkey.socket_path).st_mode) == 0o700
    assert valkey.pid_path.read_text().strip() == str(valkey.pid)


def test_appendfsync_is_configurable(tmp_path: Path) -> None:
    with start_valkey(tmp_path, appendfsync="everysec") as valkey:
        client = _client(valkey.url)
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        client.close()
    with pytest.raises(ValueError):
        EmbeddedValkey(tmp_path, appendfsync="sometimes")


def test_data_survives_stop_and_start(tmp_path: Path) -> None:
    with EmbeddedValkey(tmp_path) as valkey:
        client = _client(valkey.url)
        client.set("k", "v")
        client.xadd("{b:1}:log", {"e": "1"}, id="1-0")
        client.close()
    assert (tmp_path / "appendonlydir").is_dir()
    assert not (tmp_path / "dump.rdb").exists()  # AOF only
    with EmbeddedValkey(tmp_path) as valkey:
        client = _client(valkey.url)
        assert client.get("k") == b"v"
        assert client.xlen("{b:1}:log") == 1
        client.close()


def test_stop_leaves_no_process(tmp_path: Path) -> None:
    valkey = start_valkey(tmp_path)
    pid = valkey.pid
    assert pid is not None and _alive(pid)
    valkey.stop()
    assert not _alive(pid)
    assert valkey.pid is None
    assert not valkey.socket_path.exists()
    assert not valkey.pid_path.exists()
    valkey.stop()  # idempotent


def test_child_dies_with_sigkilled_parent(tmp_path: Path) -> None:
    owner = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        import redis
        from server.embedded import EmbeddedValkey

        valkey = EmbeddedValkey(Path({str(tmp_path)!r}))
        url = valkey.start()
        redis.Redis.from_url(url).set("acked", "yes")
        print(valkey.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", owner], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert _alive(child_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(5 * UNIT)
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
    assert _wait_dead(child_pid, 5 * UNIT), "valkey outlived its SIGKILLed parent"
    assert "Received SIGTERM" in (tmp_path / "valkey.log").read_text()  # clean exit
    # appendfsync always: what was acked before the kill is there.
    with EmbeddedValkey(tmp_path) as valkey:
        client = _client(valkey.url)
        assert client.get("acked") == b"yes"
        client.close()


def test_stale_valkey_from_pid_file_is_shut_down_cleanly(tmp_path: Path) -> None:
    # A valkey-server started directly (no parent-death signal), as if left
    # behind by an owner that could not take it down.
    stale_config = EmbeddedValkey(tmp_path)
    with open(tmp_path / "stale.log", "ab") as log:
        stale = subprocess.Popen(
            stale_config.command(), cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 10 * UNIT
        while True:
            try:
                client = _client(stale_config.url)
                client.set("k", "from-stale")
                client.close()
                break
            except (redis.exceptions.ConnectionError, FileNotFoundError):
                assert time.monotonic() < deadline, "stale valkey did not come up"
                time.sleep(0.05)
        assert stale_config.pid_path.read_text().strip() == str(stale.pid)

        with EmbeddedValkey(tmp_path) as valkey:
            # SHUTDOWN, not a kill: exit code 0 within the clean-shutdown budget.
            assert stale.wait(10 * UNIT) == 0
            valkey_log = valkey.log_path.read_text()
            assert "User requested shutdown" in valkey_log
            assert "Received SIGTERM" not in valkey_log
            assert valkey.pid != stale.pid
            client = _client(valkey.url)
            assert client.get("k") == b"from-stale"
            client.close()
    finally:
        stale.kill()
        stale.wait()


def test_stale_socket_file_is_removed(tmp_path: Path) -> None:
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(tmp_path / "valkey.sock"))
    leftover.close()  # the file stays, nobody listens
    with EmbeddedValkey(tmp_path) as valkey:
        assert _client(valkey.url).ping()


def test_pid_file_of_another_program_is_ignored(tmp_path: Path) -> None:
    # A reused pid: this test process is no valkey-server, and must survive.
    (tmp_path / "valkey.pid").write_text(f"{os.getpid()}\n")
    with EmbeddedValkey(tmp_path) as valkey:
        assert valkey.pid != os.getpid()
        assert _client(valkey.url).ping()


def test_second_owner_of_a_data_dir_is_refused(valkey: EmbeddedValkey) -> None:
    with pytest.raises(EmbeddedValkeyError, match="in use"):
        EmbeddedValkey(valkey.data_dir).start()
    assert _client(valkey.url).ping()  # the first one is untouched


def test_failed_start_reports_log_and_leaves_nothing(tmp_path: Path) -> None:
    # A file where the AOF directory belongs makes valkey-server exit at start.
    (tmp_path / "appendonlydir").write_text("not a directory")
    valkey = EmbeddedValkey(tmp_path)
    with pytest.raises(EmbeddedValkeyError, match="append") as caught:
        valkey.start(timeout=10 * UNIT)
    assert "valkey.log" in str(caught.value)
    assert valkey.pid is None
    (tmp_path / "appendonlydir").unlink()
    with valkey:  # the lock was released, the directory is usable
        assert _client(valkey.url).ping()


def test_start_off_the_main_thread_is_refused(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            EmbeddedValkey(tmp_path).start()
        except EmbeddedValkeyError as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert len(errors) == 1
    assert "main thread" in str(errors[0])
