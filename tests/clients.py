"""The real clients our exports are opened in, driven from the tests.

- :func:`gephi_import`: Gephi's own importers (Gephi Toolkit 0.10.1 from Maven
  Central, assembled once into a cache folder by ``tests/gephi/pom.xml``, then
  ``tests/gephi/GephiCheck.java`` compiled against it), as Gephi's « Ouvrir »
  does: node and edge counts, columns, import issues, nodes' colours, sizes and
  positions;
- :func:`soffice_convert`: LibreOffice headless, opening a CSV file with the
  options of a French spreadsheet (``;``, UTF-8, French locale) or an XLSX
  file, and saving it as XLSX or CSV for the test to read the cells;
- :func:`d3_read`: d3-force 3.0.0 (npm registry, installed once into a cache
  folder from ``tests/d3/package.json``) reading a node-link JSON file as a d3
  force layout does (``tests/d3/check.mjs``);
- :func:`graphml_schema` and :func:`gexf_schema`: the published schemas shipped
  in ``tests/schemas`` (see its README).

A missing tool fails the test with an install hint; nothing is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

HERE = Path(__file__).resolve().parent
GEPHI_SOURCES = HERE / "gephi"
D3_SOURCES = HERE / "d3"
SCHEMAS = HERE / "schemas"
GEPHI_VERSION = "0.10.1"
CSV_FRENCH = "Text - txt - csv (StarCalc):59,34,76,1,,1036"
"""LibreOffice's CSV options as French Excel reads a file: ``;``, ``"``, UTF-8, row 1, fr-FR."""


def _require(*tools: str, hint: str) -> dict[str, str]:
    found = {tool: shutil.which(tool) for tool in tools}
    missing = [tool for tool, path in found.items() if path is None]
    if missing:
        pytest.fail(f"outils absents : {', '.join(missing)}. {hint}", pytrace=False)
    return {tool: path for tool, path in found.items() if path is not None}


def _cache() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "spie-graph" / f"gephi-toolkit-{GEPHI_VERSION}"


@cache
def gephi_home() -> Path:
    """The Gephi Toolkit's jars and the compiled check, assembled once (Maven, javac)."""
    tools = _require("java", "javac", "mvn",
                     hint="Installez-les : apt-get install openjdk-17-jdk-headless maven")
    home = _cache()
    lib = home / "lib"
    if not (lib / f"gephi-toolkit-{GEPHI_VERSION}.jar").exists():
        home.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=home, prefix="lib."))
        result = subprocess.run(
            [tools["mvn"], "-q", "-B", "-f", str(GEPHI_SOURCES / "pom.xml"),
             "dependency:copy-dependencies", f"-DoutputDirectory={partial}"],
            capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            pytest.fail("téléchargement du Gephi Toolkit impossible (Maven Central) :\n"
                        + result.stdout[-2000:] + result.stderr[-2000:], pytrace=False)
        shutil.rmtree(lib, ignore_errors=True)
        partial.rename(lib)
    classes = home / "classes"
    source = GEPHI_SOURCES / "GephiCheck.java"
    compiled = classes / "GephiCheck.class"
    if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
        classes.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [tools["javac"], "-proc:none", "-encoding", "UTF-8", "-cp", str(lib / "*"),
             "-d", str(classes), str(source)], capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            pytest.fail("compilation de GephiCheck.java impossible :\n" + result.stderr,
                        pytrace=False)
    return home


def gephi_import(*paths: Path, nodes: bool = False) -> list[dict]:
    """Import files with Gephi's importers; one report per file (see GephiCheck.java)."""
    home = gephi_home()
    java = _require("java", hint="apt-get install openjdk-17-jdk-headless")["java"]
    cmd = [java, "-Xmx2g", "-Djava.awt.headless=true", "-cp",
           f"{home / 'lib' / '*'}{os.pathsep}{home / 'classes'}", "GephiCheck"]
    if nodes:
        cmd.append("--nodes")
    result = subprocess.run(cmd + [str(p) for p in paths], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == len(paths), result.stdout[-2000:] + result.stderr[-2000:]
    return reports


@cache
def d3_modules() -> Path:
    """The node_modules folder holding d3-force, installed once with npm."""
    tools = _require("node", "npm", hint="Installez-les : apt-get install nodejs npm")
    version = json.loads((D3_SOURCES / "package.json").read_text())["dependencies"]["d3-force"]
    home = _cache().parent / f"d3-force-{version}"
    modules = home / "node_modules"
    if not (modules / "d3-force" / "package.json").exists():
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(D3_SOURCES / "package.json", home / "package.json")
        result = subprocess.run([tools["npm"], "install", "--no-audit", "--no-fund",
                                 "--no-package-lock"], cwd=home, capture_output=True,
                                text=True, timeout=600)
        if result.returncode != 0:
            pytest.fail("installation de d3-force impossible (npm) :\n" + result.stderr[-2000:],
                        pytrace=False)
    return modules


def d3_read(path: Path) -> dict:
    """What d3-force holds after reading a node-link JSON file (see tests/d3/check.mjs)."""
    modules = d3_modules()
    node = _require("node", hint="apt-get install nodejs")["node"]
    result = subprocess.run([node, str(D3_SOURCES / "check.mjs"), str(modules), str(path)],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "?"}
    return json.loads(result.stdout)


def soffice_convert(sources: list[Path], target: str, outdir: Path,
                    infilter: str | None = None) -> list[Path]:
    """Open files in LibreOffice (headless) and save them as ``target`` (``xlsx``, ``csv``...).

    A profile of its own under ``outdir``, so that another LibreOffice running on
    the machine does not take the conversion over.
    """
    soffice = _require("soffice", hint="Lancez scripts/install-clients.sh "
                                       "(paquets libreoffice-calc-nogui, libreoffice-writer-nogui)")
    profile = outdir / "profil-libreoffice"
    cmd = [soffice["soffice"], f"-env:UserInstallation={profile.as_uri()}", "--headless",
           "--norestore"]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    cmd += ["--convert-to", target, "--outdir", str(outdir), *map(str, sources)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    extension = target.split(":", 1)[0]
    out = [outdir / f"{source.stem}.{extension}" for source in sources]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"LibreOffice n'a pas converti {missing}: {result.stdout}{result.stderr}"
    return out


@cache
def graphml_schema() -> etree.XMLSchema:
    """GraphML 1.0 (structure, attributes, parse info) as an XML Schema."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "graphml" / "graphml.xsd")))


@cache
def gexf_schema() -> etree.RelaxNG:
    """GEXF 1.3's normative RELAX NG grammar (gexf.rng, dynamics.rng, viz.rng)."""
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "gexf-1.3" / "gexf.rng")))


def schema_errors(schema: etree.XMLSchema | etree.RelaxNG, data: bytes) -> list[str]:
    """The schema's complaints about a document (empty when valid)."""
    parser = etree.XMLParser(huge_tree=True)
    document = etree.fromstring(data, parser).getroottree()
    if schema.validate(document):
        return []
    return [f"ligne {e.line} : {e.message}" for e in list(schema.error_log)[:10]]
