"""`marketbooks serve` on a port that is taken: a clear error, never a server elsewhere."""

import socket
import subprocess

from marketbooks.run import cli, serve


def _listening() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def test_port_in_use_sees_a_listener_and_not_a_closed_one():
    s = _listening()
    port = s.getsockname()[1]
    assert serve.port_in_use(port)
    s.close()
    assert not serve.port_in_use(port)


def test_serve_on_a_taken_port_says_so_and_starts_nothing(monkeypatch, capsys):
    started = []
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: started.append(a) or 0)
    with _listening() as s:
        port = s.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"Port {port} on 127.0.0.1 is in use" in err and f"--port {port + 1}" in err and f"PORT={port + 1}" in err
    assert started == []


def test_voila_does_not_move_to_another_port(tmp_path):
    """Taken between the check and Voilà's start, the port makes Voilà stop with an error,
    not serve on a port nobody was told about."""
    with _listening() as s:
        port = s.getsockname()[1]
        done = subprocess.run(
            serve.voila_command(port), cwd=tmp_path, env=serve.voila_env(), capture_output=True, text=True, timeout=60
        )
    assert done.returncode != 0
    assert "already in use" in done.stderr and "Voilà is running at" not in done.stderr


def test_run_and_golden_name_an_unknown_workbook_or_scenario(capsys):
    for command in ("run", "golden"):
        assert cli.main([command, "--workbook", "nope"]) == 2
        assert capsys.readouterr().err.strip() == (
            "error: unknown workbook 'nope' (known: acps, auction, ds3, imbalance, rtp)"
        )
        assert cli.main([command, "--workbook", "acps", "--scenario", "nope"]) == 2
        assert capsys.readouterr().err.strip() == "error: no scenario 'nope' in workbook 'acps'"
