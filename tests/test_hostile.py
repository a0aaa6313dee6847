"""Every hostile input of the corpus (tests/hostile.py) answers in French through the CLI.

Each case runs in-process through click's runner: it must exit with its status,
print its message, and show no traceback. Time and memory bounds are checked
by ``benchmarks/bench_hostile.py``, one process per case, not here.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from spie_graph.cli import main
from tests.hostile import CASES

# The local server's password must not come from the developer's environment.
ENV = {"NEO4J_PASSWORD": None, "NEO4J_URI": None, "SPIE_GRAPH_STORE": None}


def test_the_corpus_has_at_least_40_cases():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case, tmp_path):
    args = case.build(tmp_path)
    result = CliRunner().invoke(main, args, env=ENV)
    output = result.output
    assert result.exit_code == case.exit_code, output[-3000:]
    assert "Traceback" not in output and not isinstance(result.exception, Exception) \
        or isinstance(result.exception, SystemExit), repr(result.exception)
    for text in case.expect:
        assert text in output.replace("\u202f", " ").replace("\u00a0", " "), (text, output[-3000:])
    for text in case.absent:
        assert text not in output, text
    if case.exit_code:
        assert "Erreur" in output or "erreur" in output


def test_unreadable_file_and_folder_are_french_errors(tmp_path, monkeypatch):
    """Permissions cannot be taken from root (the tests may run as root): the OS says no here."""
    from spie_graph.sources import readers
    from tests.hostile import ACTEURS, _csv

    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "acteurs.csv").write_text(_csv(ACTEURS), "utf-8")

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(readers, "open", refused, raising=False)
    result = CliRunner().invoke(main, ["validate", "--dataset", str(folder)], env=ENV)
    assert result.exit_code == 1
    assert "fichier illisible : permission refusée" in result.output.replace("\u00a0", " ")
    assert "chmod u+r" in result.output and "Traceback" not in result.output
    monkeypatch.setattr(readers.os, "scandir", refused)
    result = CliRunner().invoke(main, ["validate", "--dataset", str(folder)], env=ENV)
    assert result.exit_code == 1
    assert "dossier illisible : permission refusée" in result.output.replace("\u00a0", " ")
