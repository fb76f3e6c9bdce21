"""`plait ingest` never follows a symbolic link out of the folder it was given (issue 11.10)."""

from __future__ import annotations

from plait.core.models import get_embedder
from plait.retrieval.ingest import ingest_paths
from plait.retrieval.retrieve import Retriever

from .conftest import store_rows


def make_tree(tmp_path):
    """root/ with a page, links inside root (fine) and links leaving it or pointing nowhere."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shadow = outside / "shadow"  # stands in for /etc/shadow
    shadow.write_text("root:$6$saltsalt$hunter2hash:19000:0:99999:7:::\n")
    (outside / "private").mkdir()
    (outside / "private" / "diary.md").write_text("My diary mentions the lighthousekeeper secret.")
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "page.md").write_text("The orchard page explains pruning apple trees.")
    (root / "sub" / "deep.md").write_text("The cellar page explains storing cider.")
    (root / "alias.md").symlink_to(root / "page.md")  # inside: fine
    (root / "sub-link").symlink_to(root / "sub")  # inside: fine
    (root / "passwords.txt").symlink_to(shadow)  # leaves the root
    (root / "private").symlink_to(outside / "private")  # a folder outside
    (root / "relative-escape.md").symlink_to("../outside/shadow")  # relative, still outside
    (root / "dangling.md").symlink_to(root / "nowhere.md")  # broken
    return root


def test_links_leaving_the_folder_are_not_ingested_and_named(settings, tmp_path):
    root = make_tree(tmp_path)
    embedder = get_embedder(None, settings)
    report = ingest_paths([root], settings, embedder, progress=False)

    texts = " ".join(doc for doc, _meta in store_rows(settings, embedder).values())
    assert "hunter2" not in texts and "lighthousekeeper" not in texts
    assert "pruning apple" in texts and "storing cider" in texts  # links inside the root are fine
    assert report.added == 2 and report.skipped == 4
    warned = "\n".join(report.warnings)
    for name in ("passwords.txt", "private", "relative-escape.md"):
        assert f"skipped {root / name}: symbolic link to " in warned and "outside the ingested folder" in warned
    assert f"skipped {root / 'dangling.md'}: broken symbolic link" in warned

    hits = Retriever(settings, embedder).retrieve("root hunter2hash saltsalt lighthousekeeper diary", k=10)
    assert not any("hunter2" in h.text or "lighthousekeeper" in h.text for h in hits)


def test_cli_warns_per_link(plait_run, plait_home, tmp_path):
    root = make_tree(tmp_path)
    done = plait_run("ingest", str(root), "--json")
    assert done.returncode == 0, done.stderr
    err = " ".join(done.stderr.split())  # rich may wrap long lines
    assert "passwords.txt" in err and "outside the ingested folder" in err
    assert "dangling.md" in err and "broken symbolic link" in err
