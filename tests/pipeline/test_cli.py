"""``plait pipeline list|run|status`` in-process, against the built-in demo pipelines."""

from __future__ import annotations

import json


def test_list_shows_the_builtin_demo_pipelines_and_who_registered_them(plait_home, plait_cli):
    result = plait_cli("pipeline", "list", "--json")
    assert result.exit_code == 0, result.output
    by_name = {p["name"]: p for p in result.json()}
    assert by_name["demo"]["plugin"] == "plait.pipeline"
    assert [s["resources"] for s in by_name["demo"]["stages"]] == ["cpu", "model", "cpu"]
    assert "case2code-demo" in by_name


def test_run_json_then_status_json(plait_home, plait_cli):
    result = plait_cli("pipeline", "run", "case2code-demo", "--limit", "4", "--json")
    assert result.exit_code == 0, result.output
    summary = result.json()
    assert summary["executor"] == "local" and [s["done"] for s in summary["stages"]] == [4, 4, 4]
    assert summary["rows_out"] == 8  # two training records per function
    log = plait_home / "runs" / "case2code-demo" / "records" / "log.jsonl"
    assert len(log.read_text().splitlines()) == 4
    status = plait_cli("pipeline", "status", "case2code-demo", "--json").json()
    assert [s["done"] for s in status["stages"]] == [4, 4, 4] and status["last_run"]["rows_out"] == 8
    table = plait_cli("pipeline", "status", "case2code-demo")
    assert "infer" in table.stdout and "model" in table.stdout


def test_run_prints_a_table_and_the_output_path(plait_home, plait_cli):
    result = plait_cli("pipeline", "run", "demo", "--concurrency", "2")
    assert result.exit_code == 0, result.output
    assert "keep" in result.stdout and str(plait_home / "runs" / "demo" / "keep") in result.stdout.replace("\n", "")


def test_input_option_takes_a_single_jsonl_file(plait_home, plait_cli, tmp_path):
    data = tmp_path / "topics.jsonl"
    data.write_text(json.dumps({"topic": " Ferns "}) + "\n" + json.dumps({"topic": "Wells"}) + "\n")
    summary = plait_cli("pipeline", "run", "demo", "--input", str(data), "--json").json()
    assert summary["rows_out"] == 2


def test_unknown_pipeline_names_the_registered_ones(plait_home, plait_cli):
    result = plait_cli("pipeline", "run", "nope")
    assert result.exit_code == 1
    assert "no pipeline named 'nope'" in result.output and "demo" in result.output


def test_vllm_model_fails_with_the_not_installed_no_gpu_error(plait_home, plait_cli):
    result = plait_cli("pipeline", "run", "demo", "--model", "vllm/Qwen/Qwen2.5-0.5B-Instruct")
    assert result.exit_code == 1
    assert "vLLM is not installed / no GPU" in result.output and "pip install vllm" in result.output


def test_unknown_executor_is_refused(plait_home, plait_cli):
    result = plait_cli("pipeline", "run", "demo", "--executor", "spark")
    assert result.exit_code == 1 and "unknown executor 'spark'" in result.output
