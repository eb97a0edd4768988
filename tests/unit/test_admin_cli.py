"""``prikbord admin --help`` lists every operator command (it listed only
rotate-epochs while backup, restore, gc and files were dispatched beside
it), and each command's own ``--help`` is its own parser's."""

from __future__ import annotations

import pytest

from prikbord.cli import main


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    assert stop.value.code == 0
    return capsys.readouterr().out


def test_admin_help_lists_every_admin_command(capsys: pytest.CaptureFixture[str]) -> None:
    out = _help(capsys, "admin", "--help")
    for command in ("rotate-epochs", "backup", "restore", "gc", "files"):
        assert f"    {command}" in out, out
    assert "migrate" in out and "purge-unattached" in out, out


@pytest.mark.parametrize(
    ("argv", "prog"),
    [
        (("admin", "backup", "--help"), "prikbord admin backup"),
        (("admin", "restore", "--help"), "prikbord admin restore"),
        (("admin", "gc", "--help"), "prikbord admin gc"),
        (("admin", "files", "--help"), "prikbord admin files"),
        (("admin", "files", "purge-unattached", "--help"), "prikbord admin files purge-unattached"),
        (("admin", "rotate-epochs", "--help"), "prikbord admin rotate-epochs"),
    ],
)
def test_each_admin_command_has_its_own_help(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], prog: str
) -> None:
    assert f"usage: {prog}" in _help(capsys, *argv)


def test_an_unknown_admin_command_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["admin", "bakcup"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bakcup'" in err and "backup" in err and "rotate-epochs" in err, err
