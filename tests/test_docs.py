"""The README documents every command, and its two set-up commands stay as CI reads them."""

import json
import re
import shlex
import shutil
from pathlib import Path

import click
import click.testing
import openpyxl
import pytest

from spie_graph.cli import main
from tests.conftest import ROOT
from tests.data_inclusion_export import api_pages, generate, write_export

README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "spie-graph") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths += command_paths(command, path)
        else:
            paths.append(path)
    return paths


def test_every_command_has_an_example_in_the_readme():
    missing = [path for path in command_paths(main) if path not in README]
    assert missing == []


def test_every_help_text_is_french():
    for path in command_paths(main):
        words = path.split()[1:]
        result = click.testing.CliRunner().invoke(main, [*words, "--help"])
        assert result.exit_code == 0, path
        assert "Show this message" not in result.output, path
        assert "Affiche cette aide" in result.output, path
        # click's own words: headings, usage line, defaults, metavars.
        assert result.output.startswith("Utilisation : "), path
        assert "Options :" in result.output, path
        for english in ("Usage", "Options:", "Commands", "default:", "required]", "COMMAND",
                        "[ARGS]"):
            assert english not in result.output, (path, english)
        assert not re.search(r"\bTEXT\b", result.output), path


@pytest.mark.parametrize("arguments, expected", [
    (["report", "--bogus"], "Erreur : option inconnue : « --bogus »."),
    (["reprot"], "Erreur : commande inconnue : « reprot ». (Vouliez-vous dire : 'export', "
                 "'report' ?)"),
    # « export » is imported on first use: suggested all the same.
    (["exprot"], "Erreur : commande inconnue : « exprot ». Vouliez-vous dire 'export' ?"),
    (["who-covers", "mobilite", "--format", "xml", "--dataset", "x"],
     "Erreur : valeur invalide pour '--format' : « xml » ne fait pas partie de : "
     "'table', 'json', 'csv'."),
    (["report", "--dataset"], "Erreur : l'option « --dataset » attend une valeur."),
    (["who-covers", "--dataset", "x"], "Erreur : argument manquant : 'THEMATIQUE'."),
    (["stats", "--dataset", "x", "en-trop"], "Erreur : argument en trop : en-trop"),
])
def test_usage_errors_are_french(arguments, expected):
    """click's own messages for a mistyped command line: French, exit status 2."""
    result = click.testing.CliRunner().invoke(main, arguments, env={"SPIE_GRAPH_DATASET": None})
    assert result.exit_code == 2, result.output
    assert expected in result.output, result.output
    assert "Error" not in result.output and "Usage" not in result.output


def test_the_readme_keeps_the_two_setup_commands():
    demo = re.search(r"<!-- commande-demo -->\n```bash\n(.+)\n", README).group(1)
    tests = re.search(r"<!-- commande-tests -->\n```bash\n(.+)\n", README).group(1)
    assert demo.startswith("pip install .")
    assert "spie-graph report --dataset datasets/morbihan" in demo
    assert "python -m pytest" in tests
    assert (ROOT / ".ci" / "run").read_text().count("commande-tests") >= 1


# -- every example of the README runs -------------------------------------------------------
def bash_commands(text: str = README) -> list[str]:
    """The ``spie-graph`` lines of the README's bash blocks, in order."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        lines += [line.strip() for line in block.splitlines()
                  if line.strip().startswith("spie-graph ")]
    return lines


def readme_table(marker: str) -> list[dict[str, str]]:
    """The Markdown table after ``<!-- marker -->``, as rows (``\\|`` is a ``|`` in a cell)."""
    block = re.search(rf"<!-- {marker} -->\n((?:\|.*\n)+)", README).group(1)
    rows = [[cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            for line in block.splitlines()]
    header, body = rows[0], rows[2:]
    return [dict(zip(header, row, strict=True)) for row in body]


def run_example(runner: click.testing.CliRunner, command: str, env: dict | None = None):
    args = shlex.split(command, comments=True)
    assert args[0] == "spie-graph"
    return runner.invoke(main, args[1:], env=env)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def walkthrough() -> list[str]:
    """The commands of the Excel walkthrough (blocks after ``<!-- parcours-excel -->``)."""
    return [re.search(r"```bash\n(.*?)\n```", README[m.end():], re.DOTALL).group(1)
            for m in re.finditer(r"<!-- parcours-excel -->\n", README)]


def fill_from_readme(path: Path) -> None:
    """Type the README's example rows into the template, as its reader would."""
    wb = openpyxl.load_workbook(path)
    for sheet in ("acteurs", "services", "interactions"):
        ws = wb[sheet]
        columns = [cell.value for cell in ws[1]]
        for row in readme_table(f"exemple-{sheet}"):
            ws.append([row.get(column) or None for column in columns])
    ws = wb["consortium"]
    fields = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    for row in readme_table("exemple-consortium"):
        ws.cell(fields[row["champ"]], 2, row["valeur"])
    for row in readme_table("exemple-membres"):
        ws.append([row["acteur"], row["role"], row["lettre_engagement"]])
    wb.save(path)


def test_the_excel_walkthrough_runs_end_to_end(tmp_path, monkeypatch):
    """template → fill → validate → report, with the README's own commands and rows."""
    monkeypatch.chdir(tmp_path)
    runner = click.testing.CliRunner()
    steps = walkthrough()
    assert [s.split()[1] for s in steps] == ["template", "validate", "report"]
    template, validate, report = steps
    assert run_example(runner, template).exit_code == 0
    workbook = tmp_path / shlex.split(template)[shlex.split(template).index("-o") + 1]
    fill_from_readme(workbook)
    checked = run_example(runner, validate)
    assert checked.exit_code == 0, checked.output
    assert "valide : 3 acteurs, 3 services, 2 interactions, consortium de 3 membres" in \
        plain(checked.output)
    written = run_example(runner, report)
    assert written.exit_code == 0, written.output
    folder = tmp_path / "exports" / "ardeche"
    assert {"rapport.md", "carte.html", "annexe.docx"} <= {p.name for p in folder.iterdir()}
    assert "Carte des acteurs : SPIE de l&#39;Ardèche" in (folder / "carte.html").read_text(
        "utf-8")
    # The error shown in the README is the one a user gets for that typo.
    wb = openpyxl.load_workbook(workbook)
    wb["acteurs"]["G4"] = "20007324"
    wb.save(workbook)
    wrong = run_example(runner, validate)
    expected = re.search(r"<!-- exemple-erreur -->\n```\n(.*?)…\n```", README).group(1)
    assert wrong.exit_code == 1 and expected in plain(wrong.output)


# Examples that cannot run inside the test suite, and why (each is covered elsewhere).
NOT_RUN = {
    "spie-graph neo4j start": "starts a second server on the default port; the session's "
                              "server is started by tests/conftest.py (test_neo4j_server.py)",
    "spie-graph neo4j stop": "would stop that server (test_neo4j_server.py stops its own)",
}


def example_files(folder: Path) -> None:
    """The files the README's examples name, copied from the repository's test data."""
    shutil.copytree(ROOT / "datasets" / "morbihan", folder / "datasets" / "morbihan")
    fixtures = ROOT / "tests" / "fixtures" / "data_inclusion"
    for name in ("structures.json", "services.json", "structures.csv", "services.csv"):
        stem, suffix = name.split(".")
        shutil.copy(fixtures / f"{stem}-v1.{suffix}", folder / name)
    shutil.copy(ROOT / "tests" / "reference" / "data-inclusion" / "samples" /
                "di_valideur_fixture_dataset.xlsx", folder / "classeur-producteur.xlsx")
    for name in ("brouillon.yaml", "brouillon-v2.yaml"):
        shutil.copy(ROOT / "datasets" / "morbihan" / "consortium.yaml", folder / name)
    shutil.copy(ROOT / "spie_graph" / "reference" / "data" / "criteres_ami.yaml",
                folder / "mes-criteres.yaml")
    # The weekly export in Parquet (La Réunion) and pages of the data·inclusion API.
    structures, services = generate(12, 30, seed=3, departements=("974",))
    for table, rows in (("structures", structures), ("services", services)):
        write_export(rows, folder, table, "parquet")
    (folder / "pages-api").mkdir()
    for page in api_pages(structures, services, size=10):
        (folder / "pages-api" / f"page-{page['page']}.json").write_text(
            json.dumps(page), encoding="utf-8")
    (folder / "ma-requete.cypher").write_text(
        "MATCH (a:Acteur) WHERE size([(a)-[:PROPOSE]->() | 1]) >= $seuil RETURN count(a) AS n",
        encoding="utf-8")


def neo4j_example(command: str) -> bool:
    return "--store neo4j" in command or command.startswith("spie-graph neo4j ")


def test_every_readme_example_runs_on_the_embedded_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    example_files(tmp_path)
    runner = click.testing.CliRunner()
    # The walkthrough's validate and report need its filled workbook: the test above runs them.
    commands = [c for c in bash_commands() if not neo4j_example(c)
                and c not in walkthrough()[1:]]
    assert len(commands) > 35
    for command in commands:
        result = run_example(runner, command)
        assert result.exit_code == 0, (command, result.output)


@pytest.mark.neo4j
def test_every_readme_example_runs_on_neo4j(tmp_path, monkeypatch, neo4j_connection):
    monkeypatch.chdir(tmp_path)
    example_files(tmp_path)
    runner = click.testing.CliRunner()
    env = {"NEO4J_URI": neo4j_connection.uri, "NEO4J_USER": neo4j_connection.user,
           "NEO4J_PASSWORD": neo4j_connection.password}
    commands = [c for c in bash_commands() if neo4j_example(c)]
    ran = [c for c in commands if " ".join(c.split()[:3]) not in NOT_RUN]
    assert {" ".join(c.split()[:3]) for c in commands if c not in ran} == set(NOT_RUN)
    for command in ran:
        result = run_example(runner, command, env)
        assert result.exit_code == 0, (command, result.output)
