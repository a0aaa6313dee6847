"""The README documents every command, and its two set-up commands stay as CI reads them."""

import re

import click
import click.testing

from spie_graph.cli import main
from tests.conftest import ROOT

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


def test_the_readme_keeps_the_two_setup_commands():
    demo = re.search(r"<!-- commande-demo -->\n```bash\n(.+)\n", README).group(1)
    tests = re.search(r"<!-- commande-tests -->\n```bash\n(.+)\n", README).group(1)
    assert demo.startswith("pip install .")
    assert "spie-graph report --dataset datasets/morbihan" in demo
    assert "python -m pytest" in tests
    assert (ROOT / ".ci" / "run").read_text().count("commande-tests") >= 1
