#!/usr/bin/env python3
"""The fake Lean REPL (tests/fixtures/fake_lean_repl.py) extended with tactic mode, for proof search tests.

Command mode is the fixture's caricature, except that every ``sorry`` gets a proof state whose goal
is ``⊢ <the theorem's conclusion>`` (the text after its last `` : ``). Tactic mode follows the
REPL's JSON protocol: ``{"tactic": T, "proofState": n}`` answers ``{"proofState": m, "goals": [...]}``.
(``LEAN_*`` names: plait passes the REPL only Lean's own environment variables.)
What a tactic does comes from the JSON file named by ``$LEAN_FAKE_TACTICS``:
``{"<first goal>": {"<tactic>": ["<new goal>", ...]}}`` (an empty list closes the goal). A tactic
not in the table fails with ``{"message": "Lean error: ..."}`` (the REPL's protocol-level form), one
listed as ``"error"`` fails with an error message (the elaboration-error form). Each tactic call is
appended to ``$LEAN_FAKE_LOG`` as ``tactic <n> <T>``.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))
import fake_lean_repl as base  # noqa: E402

states: dict[int, list[str]] = {}  # proofState -> goals


def table() -> dict:
    path = os.environ.get("LEAN_FAKE_TACTICS")
    return json.loads(Path(path).read_text(encoding="utf-8")) if path else {}


def conclusion(text: str, index: int) -> str:
    """``⊢ C`` for the declaration holding the sorry at ``index`` (C: after its last `` : ``)."""
    start = text.rfind("theorem", 0, index)
    head = text[start:index].split(":=")[0]
    return "⊢ " + head.rsplit(" : ", 1)[-1].strip()


def command(cmd: dict) -> dict:
    answer = base.elaborate(cmd)
    text = cmd["cmd"]
    positions = [i for i in range(len(text)) if text.startswith("sorry", i)]
    for sorry, index in zip(answer.get("sorries", []), positions):
        state = len(states)
        states[state] = [conclusion(text, index)]
        sorry.update(proofState=state, goal=states[state][0])
    return answer


def tactic(cmd: dict) -> dict:
    base.log(f"tactic {cmd.get('proofState')} {cmd['tactic']}")
    goals = states.get(cmd.get("proofState"))
    if goals is None:
        return {"message": f"Unknown proof state {cmd.get('proofState')}."}
    if not goals:
        return {"message": "Lean error:\nno goals to be proved"}
    effect = table().get(goals[0], {}).get(cmd["tactic"])
    if effect is None:
        return {"message": f"Lean error:\n{cmd['tactic']} failed on {goals[0]}"}
    if effect == "error":
        return {"proofState": cmd["proofState"], "goals": goals,
                "messages": [{"severity": "error", "pos": {"line": 1, "column": 0}, "endPos": None,
                              "data": f"{cmd['tactic']}: type mismatch"}]}
    new = list(effect) + goals[1:]
    state = len(states)
    states[state] = new
    return {"proofState": state, "goals": new}


def main() -> None:
    if os.environ.get("LEAN_FAKE_LOG"):
        os.environ["FAKE_LEAN_LOG"] = os.environ["LEAN_FAKE_LOG"]  # where the fixture's log() writes
    base.log("start")
    buf: list[str] = []
    for line in sys.stdin:
        if line.strip():
            buf.append(line)
            continue
        if not buf:
            continue
        raw, buf = "".join(buf), []
        try:
            cmd = json.loads(raw)
        except json.JSONDecodeError as exc:
            answer = {"message": f"Could not parse JSON:\n{exc}"}
        else:
            answer = command(cmd) if "cmd" in cmd else tactic(cmd) if "tactic" in cmd else {"message": "unsupported command"}
        sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
