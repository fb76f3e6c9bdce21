"""Chat sessions: LangGraph thread ids checkpointed in SQLite under PLAIT_HOME, or in PostgreSQL.

``sessions_url`` (``PLAIT_SESSIONS_URL=postgresql://...``) moves everything below into PostgreSQL
(``backend``: one interface, two implementations). ``checkpoints.sqlite`` holds LangGraph's own tables (only the latest checkpoint of each thread is
kept, so storage per turn is bounded by the turn's size) plus ``plait_sessions`` (name, agent,
owner, times, turns, title) and ``plait_turn_extras``. Every SQL statement on these tables lives
in this package; surfaces call these functions.

- ``store``: the session list (``touch``, ``get_session``, ``list_sessions``, ``delete_session``,
  ``check_agent``, owner), per-turn extras.
- ``saver``: the latest-only LangGraph checkpointer.
- ``backend``: ``backend_for(settings)`` gives the ``SessionsBackend`` (``kind``, ``transaction()``,
  ``saver()``; on PostgreSQL ``pool()``, the process's psycopg connection pool, e.g. for advisory locks).
- ``checkpoints``: reading a session's state and transcript, ``rewind_to`` / ``rewind_last_turn``.
"""

from plait.agents.sessions.backend import PostgresBackend, SessionsBackend, SqliteBackend, backend_for
from plait.agents.sessions.checkpoints import (
    TRANSCRIPT_CHANNELS,
    checkpointer,
    has_checkpoints,
    rewind_last_turn,
    rewind_to,
    state_values,
    stored_bytes,
    transcript,
)
from plait.agents.sessions.store import (
    ANY,
    SessionAgentMismatch,
    SessionInfo,
    check_agent,
    claim,
    connect,
    db_exists,
    db_path,
    delete_session,
    get_session,
    list_sessions,
    require_session,
    resume_command,
    save_turn_extras,
    session_row,
    touch,
    turn_extras,
)

__all__ = [
    "PostgresBackend",
    "SessionsBackend",
    "SqliteBackend",
    "backend_for",
    "ANY",
    "SessionAgentMismatch",
    "SessionInfo",
    "TRANSCRIPT_CHANNELS",
    "check_agent",
    "checkpointer",
    "claim",
    "connect",
    "db_exists",
    "db_path",
    "delete_session",
    "get_session",
    "has_checkpoints",
    "list_sessions",
    "require_session",
    "resume_command",
    "rewind_last_turn",
    "rewind_to",
    "save_turn_extras",
    "session_row",
    "state_values",
    "stored_bytes",
    "touch",
    "transcript",
    "turn_extras",
]
