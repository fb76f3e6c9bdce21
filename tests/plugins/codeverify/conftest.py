import pytest


@pytest.fixture
def sandbox_name():
    """The default (strongest) sandbox backend here; skipped where no isolating backend exists."""
    from plait.core.errors import Unavailable
    from plait.sandbox import default_backend

    try:
        return default_backend()
    except Unavailable as exc:
        pytest.skip(f"no isolating sandbox here: {exc}")
