"""Analysts and stakeholders apart: JupyterLab (`make lab`) saves where no dashboard reads."""

import json
import shutil
import subprocess
import time
import urllib.request

import pytest
from conftest import ROOT
from voila_server import free_port, voila

from marketbooks.run.lab import WORKSPACE, lab_command, lab_env, prepare_workspace

pytestmark = pytest.mark.browser


def test_an_analysts_saved_notebook_changes_no_dashboard(tmp_path):
    """Save a notebook through JupyterLab's contents API, as its autosave does, after changing
    the scenario and keeping outputs: notebooks/ and the served dashboard stay as they were."""
    root = tmp_path / "project"
    for folder in ("notebooks", "params", "config"):
        shutil.copytree(ROOT / folder, root / folder)
    committed = (root / "notebooks/acps.ipynb").read_bytes()
    prepare_workspace(root)
    port, token = free_port(), "t0ken"
    lab = subprocess.Popen(
        [*lab_command(port, root), f"--IdentityProvider.token={token}"],
        cwd=root / WORKSPACE,
        env=lab_env(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}/api/contents/acps.ipynb"
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                model = json.load(urllib.request.urlopen(urllib.request.Request(api, headers=headers), timeout=5))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        nb = model["content"]
        nb["cells"][1]["source"] = 'scenario = "2016_decision"\noutput_dir = None\ninteractive = True\n'
        nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "edited\n"}]
        saved = urllib.request.Request(
            api,
            method="PUT",
            headers=headers,
            data=json.dumps({"type": "notebook", "format": "json", "content": nb}).encode(),
        )
        assert urllib.request.urlopen(saved, timeout=30).status == 200
    finally:
        lab.terminate()
        lab.wait(10)
    assert "2016_decision" in (root / WORKSPACE / "acps.ipynb").read_text()  # the analyst's copy has the edit
    assert (root / "notebooks/acps.ipynb").read_bytes() == committed
    with voila(root, tmp_path / "voila.log") as base:
        body = urllib.request.urlopen(f"{base}/voila/render/notebooks/acps.ipynb", timeout=120).read().decode()
    assert "519,227,150" in body and "Decision 2016" not in body.split("Table 6.1")[0]


def test_the_workspace_gets_each_notebook_once_and_keeps_an_analysts_edits(tmp_path):
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    workspace, copied = prepare_workspace(tmp_path)
    assert sorted(copied) == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    (workspace / "acps.ipynb").write_text("an analyst's edit")
    (workspace / "index.ipynb").unlink()
    _, copied = prepare_workspace(tmp_path)
    assert copied == ["index.ipynb"] and (workspace / "acps.ipynb").read_text() == "an analyst's edit"
