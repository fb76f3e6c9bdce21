"""``plait plugins list``: JSON shape, built-ins, --hook, failures, --strict, origin warnings,
runtime hook errors by plugin and hook, PLAIT_LOAD_PLUGINS recovery, PLAIT_TRACE_PLUGINS."""

from __future__ import annotations

import json

from .conftest import BROKEN, GREETER, RAISING


def _by_name(rows):
    return {r["name"]: r for r in rows}


def test_list_json_shape_and_what_was_registered(site, plait_run):
    site("plait-greeter", GREETER, version="1.2.0")
    proc = plait_run("plugins", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["name"] for r in rows] == ["plait-greeter"]  # built-ins only with --all
    row = rows[0]
    assert {"name", "version", "hooks", "registered", "builtin"} <= set(row)
    assert row["version"] == "1.2.0" and row["builtin"] is False
    assert row["hooks"] == ["register_commands", "register_routes", "register_tools"]
    assert row["registered"] == {"tools": ["greet"], "commands": ["greet say"], "routes": ["GET /greet/{name}"]}
    assert row["origin"] == "index" and row["warning"] is None and row["error"] is None


def test_list_all_and_hook_filter(site, plait_run):
    site("plait-greeter", GREETER)
    rows = _by_name(json.loads(plait_run("plugins", "list", "--json", "--all").stdout))
    assert rows["plait.models"]["builtin"] is True and rows["plait.models"]["version"]
    assert rows["plait.gates"]["registered"] == {"gates": ["always", "never"]}
    assert "plait-greeter" in rows
    for hook in ("register_tools", "tools"):
        names = [r["name"] for r in json.loads(plait_run("plugins", "list", "--json", "--all", "--hook", hook).stdout)]
        assert "plait-greeter" in names and "plait.models" not in names
    gates = [r["name"] for r in json.loads(plait_run("plugins", "list", "--json", "--all", "--hook", "gates").stdout)]
    assert "plait.gates" in gates and "plait-greeter" not in gates
    bad = plait_run("plugins", "list", "--hook", "nonsense")
    assert bad.returncode == 1 and "no hook named 'nonsense'" in bad.stderr


def test_text_output(site, plait_run):
    site("plait-greeter", GREETER, version="1.2.0")
    proc = plait_run("plugins", "list", env={"COLUMNS": "200"})
    assert proc.returncode == 0
    assert "plait-greeter" in proc.stdout and "1.2.0" in proc.stdout and "tools: greet" in proc.stdout


def test_import_error_plugin_is_named_and_strict_fails(site, plait_run):
    site("plait-greeter", GREETER)
    site("plait-broken", BROKEN)
    proc = plait_run("plugins", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = _by_name(json.loads(proc.stdout))
    assert "plait-greeter" in rows
    assert "ModuleNotFoundError" in rows["plait-broken"]["error"]
    assert "plait_no_such_dependency_xyz" in rows["plait-broken"]["error"]
    assert "plugin 'plait-broken' failed to load" in proc.stderr
    text = plait_run("plugins", "list", env={"COLUMNS": "200"})
    assert text.returncode == 0 and "plait-broken" in text.stdout and "failed" in text.stdout
    strict = plait_run("plugins", "list", "--strict")
    assert strict.returncode == 1 and "plait-broken" in strict.stderr
    root_strict = plait_run("--strict", "plugins", "list")
    assert root_strict.returncode == 1 and "plait-broken" in root_strict.stderr


def test_hook_raising_at_run_time_is_named(site, plait_run):
    site("plait-raiser", RAISING)
    proc = plait_run("plugins", "list", "--json")
    assert proc.returncode == 0
    assert "plugin 'plait-raiser' raised in hook register_agents: RuntimeError: agent registry exploded" in proc.stderr
    row = _by_name(json.loads(proc.stdout))["plait-raiser"]
    assert "register_agents" in row["error"]
    assert plait_run("plugins", "list", "--strict").returncode == 1


def test_editable_and_direct_url_installs_are_flagged(site, plait_run, tmp_path):
    site("plait-editable", GREETER.replace("greet", "greet_e"),
         direct_url={"url": f"file://{tmp_path}/src", "dir_info": {"editable": True}})
    site("plait-from-git", "x = 1\n", direct_url={"url": "https://example.invalid/repo.git",
                                                   "vcs_info": {"vcs": "git", "commit_id": "abc"}})
    proc = plait_run("plugins", "list", "--json")
    rows = _by_name(json.loads(proc.stdout))
    assert rows["plait-editable"]["origin"] == "editable"
    assert "editable install from" in rows["plait-editable"]["warning"]
    assert rows["plait-from-git"]["origin"] == "vcs"
    assert "not from a package index" in rows["plait-from-git"]["warning"]
    assert "warning: plugin 'plait-editable' is an editable install" in proc.stderr


def test_plait_load_plugins_limits_what_loads_even_next_to_a_plugin_that_exits(site, plait_run):
    # SystemExit at import is isolated like any failure: named, and the other plugins still load
    site("plait-killer", "raise SystemExit('plait-killer refuses to load')\n")
    site("plait-greeter", GREETER)
    broken = plait_run("plugins", "list", "--json")
    assert broken.returncode == 0 and "plait-killer refuses to load" in broken.stderr
    assert "plugin 'plait-killer' failed to load" in broken.stderr
    assert "plait-greeter" in [r["name"] for r in json.loads(broken.stdout)]
    recovered = plait_run("plugins", "list", "--json", env={"PLAIT_LOAD_PLUGINS": ""})
    assert recovered.returncode == 0 and json.loads(recovered.stdout) == []
    only = plait_run("plugins", "list", "--json", env={"PLAIT_LOAD_PLUGINS": "plait-greeter"})
    assert [r["name"] for r in json.loads(only.stdout)] == ["plait-greeter"]


def test_trace_prints_each_hook_call_with_its_plugin(site, plait_run):
    site("plait-greeter", GREETER)
    proc = plait_run("ask", "What is plait?", "--json", env={"PLAIT_TRACE_PLUGINS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["answer"]
    trace = [line for line in proc.stderr.splitlines() if line.startswith("[plait plugins]")]
    assert "[plait plugins] loaded plait-greeter (plugin): hooks register_commands, register_routes, register_tools" in trace
    assert "[plait plugins] call register_models -> plait.models" in trace
    assert "[plait plugins] call register_tools -> plait-greeter" in trace
    assert "[plait plugins] call register_commands -> plait-greeter" in trace
    assert "[plait plugins] call register_retrieval_gates -> plait.gates" in trace
