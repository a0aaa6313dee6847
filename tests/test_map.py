"""The interactive map: content, escaping, filters, large graphs, and a real headless Chromium."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from spie_graph.analyses import DuplicateGroup, GapRow, Gaps, MomentGap
from spie_graph.analyses.findings import Findings, compute_findings
from spie_graph.cli import main
from spie_graph.errors import ArgumentError
from spie_graph.graph.build import build_graph
from spie_graph.reference.referentials import referentials
from spie_graph.render.map import LAYOUT_THRESHOLD, build_map, short_label
from spie_graph.render.pictures import SPRING_LIMIT, actor_layout, family_colors
from spie_graph.report.parts import ReportContext, map_part
from spie_graph.report.run import run_report
from spie_graph.sources.validation import load_dataset
from tests.data_outputs import (
    HOSTILE_NAME,
    QUOTED_NAME,
    SCRIPT_MISSIONS,
    generated_dataset,
    small_dataset,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
DATA = re.compile(r'<script type="application/json" id="carte-donnees">(.*?)</script>', re.DOTALL)
# A resource the page would load over the network: src/href/url()/@import to http(s) or //.
REMOTE = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//"""
                    r"""|url\(\s*["']?\s*(?:https?:)?//|@import)""", re.IGNORECASE)


@pytest.fixture
def small_path(make_dataset):
    return small_dataset(make_dataset)


@pytest.fixture
def small_graph(small_path):
    return build_graph(load_dataset(small_path))


@pytest.fixture(scope="module")
def big_graph():
    return build_graph(generated_dataset(2000))


def payload(html: str) -> dict:
    return json.loads(DATA.search(html).group(1))


# -- content ---------------------------------------------------------------------------------

def test_map_holds_every_actor_and_interaction(small_graph):
    result = build_map(small_graph)
    data = payload(result.html)
    assert (result.nodes, result.edges) == (12, 14)
    assert len(data["nodes"]) == 12 and len(data["edges"]) == 14
    assert result.physics and data["options"]["physics"]["enabled"]
    cd = next(n for n in data["nodes"] if n["id"] == "Acteur:cd56")
    assert cd["shape"] == "star"  # the porteur
    assert cd["value"] == 3 + 1  # three services
    assert cd["color"]["background"] == family_colors()["cd"]
    assert cd["borderWidth"] == 3  # a member
    lien = next(n for n in data["nodes"] if n["id"] == "Acteur:lien-auray")
    assert lien["borderWidth"] == 1 and lien["label"] == short_label(QUOTED_NAME)


def test_edges_are_styled_by_interaction_type(small_graph):
    edges = payload(build_map(small_graph).html)["edges"]
    by_type = {e["type"]: e for e in edges}
    assert by_type["orientation"]["dashes"] == [8, 4]
    assert by_type["convention"]["dashes"] is False
    assert by_type["partenariat"]["arrows"]["to"]["enabled"] is False
    # two interactions between cd56 and ft-vannes: the second one is curved apart
    pair = [e for e in edges if {e["from"], e["to"]} == {"Acteur:cd56", "Acteur:ft-vannes"}]
    assert len(pair) == 2 and pair[1]["smooth"]["type"] == "curvedCW"


def test_legend_lists_families_and_interaction_types(small_graph):
    html = build_map(small_graph).html
    assert "Conseil départemental (1)" in html
    assert "Association (2)" in html
    assert "Orientation de personnes" in html and "Financement" in html
    assert "stroke-dasharray=\"8 4\"" in html


def test_size_by_degree(small_graph):
    nodes = payload(build_map(small_graph, taille="degre").html)["nodes"]
    cd = next(n for n in nodes if n["id"] == "Acteur:cd56")
    assert cd["value"] == 8 + 1  # 8 interactions, sources or targets


def test_details_carry_missions_services_interactions(small_graph):
    details = payload(build_map(small_graph).html)["details"]
    cd = details["Acteur:cd56"]
    assert cd["missions"].startswith("Chef de file")
    assert [m["moment"] for m in cd["services"]] == ["Entrée dans le parcours",
                                                      "Suivi du parcours",
                                                      "Offre d'accompagnement"]
    assert {"type": "Convention", "sens": "→", "partenaire": "France Travail Vannes"} in \
        cd["interactions"]
    assert cd["membre"].startswith("Porteur du consortium")


# -- no network, no markup from data ---------------------------------------------------------

def test_page_loads_nothing_from_the_network(small_graph):
    html = build_map(small_graph).html
    assert not REMOTE.search(html), REMOTE.search(html)
    assert "<link" not in html and "<script src" not in html.replace(" ", "")
    assert "default-src 'none'" in html  # CSP: even a bug could not fetch anything
    assert "vis-network" in html and html.count("<script") == 3


def test_hostile_texts_are_escaped(small_graph):
    result = build_map(small_graph, title='Carte <b>"1"</b> & \'2\'')
    html = result.html
    assert HOSTILE_NAME not in html
    assert "<script>alert" not in html
    assert html.count("</script>") == 3  # our three script elements, no more
    assert "<title>Carte &lt;b&gt;&#34;1&#34;&lt;/b&gt; &amp; &#39;2&#39;</title>" in html
    data = payload(html)  # the data round-trips exactly
    labels = {n["label"] for n in data["nodes"]}
    assert {short_label(HOSTILE_NAME), short_label(QUOTED_NAME)} <= labels
    names = {d["nom"] for d in data["details"].values()}
    assert {HOSTILE_NAME, QUOTED_NAME} <= names
    assert data["details"]["Acteur:hostile"]["missions"] == SCRIPT_MISSIONS


def test_script_data_cannot_close_its_element():
    from spie_graph.render.map import vis_network_js

    assert "</script" not in vis_network_js().lower()


# -- filters ---------------------------------------------------------------------------------

def ids(result) -> set[str]:
    return {n["id"].split(":", 1)[1] for n in payload(result.html)["nodes"]}


def test_territory_keeps_actors_working_there(small_graph):
    lorient = build_map(small_graph, territoire="200042174")
    assert ids(lorient) == {"cd56", "caf56", "capemploi56", "mob56", "siao56", "creche-lorient"}
    # interactions between kept actors only
    assert lorient.edges == 3  # cd56 → caf56, cd56 → mob56, caf56 → creche-lorient


def test_thematique_category_and_subtheme(small_graph):
    assert ids(build_map(small_graph, thematique="mobilite")) == {"cd56", "ml-vannes", "mob56"}
    # a sub-theme: its own services, and services declaring the whole category
    assert ids(build_map(small_graph, thematique="mobilite--preparer-un-permis")) == {
        "cd56", "ml-vannes"}


def test_territory_filter_options(small_graph):
    options = payload(build_map(small_graph).html)["territoires"]
    assert options[0]["code"] == "56" and len(options[0]["acteurs"]) == 12
    vannes = next(o for o in options if o["code"] == "200067932")
    assert "Acteur:creche-lorient" not in vannes["acteurs"]
    assert "Acteur:ft-vannes" in vannes["acteurs"]


@pytest.mark.parametrize("kwargs, message", [
    ({"territoire": "99999"}, "territoire inconnu"),
    ({"thematique": "mobilitee"}, "code de thématique inconnu"),
    ({"taille": "poids"}, "taille inconnue"),
])
def test_bad_arguments(small_graph, kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        build_map(small_graph, **kwargs)


# -- findings --------------------------------------------------------------------------------

FINDINGS = Findings(
    territoire="56",
    gaps=Gaps(territoire="56", niveau="epci", thematiques=["sante", "mobilite"], lignes=[
        GapRow(territoire="200042174", nom_territoire="CA Lorient Agglomération",
               thematique="sante", population=208938, nb_services=0),
        GapRow(territoire="200067932", nom_territoire="Vannes", thematique="mobilite",
               population=180000, nb_services=2)],
        moments_sans_service=[MomentGap(territoire="245614433", nom_territoire="Pontivy",
                                        moment="suivi", population=45000)]),
    duplicates=[DuplicateGroup(
        thematique="trouver-un-emploi", moment="suivi", publics=["tous-publics"],
        territoire=["200067932"], nom_territoire="Vannes Agglo", nb_communes=34,
        population=170000, services=["ft-diag", "ml-pacea", "cap-accomp"],
        acteurs=["ft-vannes", "ml-vannes", "capemploi56"], score=0.8)],
)


def test_gaps_and_duplicates_are_shown(small_graph):
    result = build_map(small_graph, findings=FINDINGS)
    data = payload(result.html)
    assert [g["besoin"] for g in data["manques"]] == ["Santé", "Suivi du parcours"]
    assert data["manques"][0]["categorie"] == "sante"
    assert data["doublons"][0]["noms"] == ["France Travail Vannes",
                                           "Mission locale du Pays de Vannes", "Cap emploi 56"]
    doublon_edges = [e for e in data["edges"] if e["type"] == "doublon"]
    assert len(doublon_edges) == 2 and result.edges == 14 + 2
    ft = next(n for n in data["nodes"] if n["id"] == "Acteur:ft-vannes")
    assert ft["shapeProperties"]["borderDashes"]
    assert "Besoins non couverts (2)" in result.html and "Doublons repérés (1)" in result.html


def test_no_findings_no_panels(small_graph):
    html = build_map(small_graph).html
    assert "Besoins non couverts" not in html and "Doublons repérés" not in html


def test_cli_map_with_analyses(runner, small_path, tmp_path):
    out = tmp_path / "carte.html"
    result = runner.invoke(main, ["map", "--dataset", str(small_path), "--gaps", "--doublons",
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "12 acteurs, 14 interactions" in result.output
    findings = compute_findings(build_graph(load_dataset(small_path)), with_consortium=False,
                                with_network=False)
    gaps = len(findings.gaps.lacunes) + len(findings.gaps.moments_sans_service)
    data = payload(out.read_text(encoding="utf-8"))
    # One line per need and EPCI (a département's gaps are counted commune by commune):
    # every commune gap is in one line, and no line mixes levels.
    assert gaps > 0 and sum(len(g["communes"]) for g in data["manques"]) == gaps
    terr = referentials().territoires
    assert {terr.kind(g["zone"]) for g in data["manques"]} == {"epci"}
    assert len(data["manques"]) == len({(g["besoin"], g["zone"]) for g in data["manques"]})
    assert len(data["doublons"]) == len(findings.duplicates)


def test_cli_map(runner, small_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["map", "--dataset", str(small_path), "--thematique",
                                  "mobilite"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "carte-petit.html").exists()
    assert "3 acteurs" in result.output
    bad = runner.invoke(main, ["map", "--dataset", str(small_path), "-o", "carte.txt"])
    assert bad.exit_code == 1 and "la carte s'écrit en HTML" in bad.output
    unknown = runner.invoke(main, ["map", "--dataset", str(small_path), "--territoire", "5626"])
    assert unknown.exit_code == 1 and "territoire inconnu" in unknown.output


def test_report_part(small_graph, tmp_path):
    ctx = ReportContext("petit", small_graph, "56", Findings(territoire="56"))
    part = map_part(ctx)
    assert set(part.files) == {"carte.html"}
    assert "12 acteurs" in part.section
    folder = run_report("petit", small_graph, tmp_path, parts=[map_part])
    assert (folder / "carte.html").stat().st_size > 100_000


# -- large graphs ----------------------------------------------------------------------------

def test_2000_actor_map_builds_quickly_with_layout_in_python(big_graph):
    start = time.perf_counter()
    result = build_map(big_graph)
    elapsed = time.perf_counter() - start
    data = payload(result.html)
    assert result.nodes == 2000 and result.edges == 3000
    assert not result.physics and data["options"]["physics"] == {"enabled": False}
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == 2000
    assert elapsed < 10, f"{elapsed:.1f} s"  # about 0.3 s on a 2-core machine


def test_layout_is_deterministic_and_spread():
    order = [(f"a{i}", "cd" if i % 3 else "caf") for i in range(SPRING_LIMIT + 50)]
    edges = [(f"a{i}", f"a{i + 1}") for i in range(0, SPRING_LIMIT, 7)]
    first = actor_layout(order, edges)
    assert first == actor_layout(order, edges)
    assert len(set(first.values())) == len(order)
    small = actor_layout(order[:40], edges[:5])
    assert len(set(small.values())) == 40
    assert LAYOUT_THRESHOLD < SPRING_LIMIT


# -- in a real browser -----------------------------------------------------------------------

def _require_browser():
    """Playwright and Debian's chromium: without them the test fails (never a skip, CI or not)."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        reason = ("le paquet Python playwright n'est pas installé : "
                  "pip install -e '.[test]'")
    if reason is None and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = (f"chromium absent ({CHROMIUM} introuvable, ni chromium dans le PATH) : "
                  "installez-le avec bash scripts/install-clients.sh")
    if reason:
        pytest.fail(f"tests dans Chromium impossibles : {reason}", pytrace=False)
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


class Page:
    """A page of the map opened in Chromium with every non-file request blocked."""

    def __init__(self, context, path: Path):
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.route("**/*", self._route)
        start = time.perf_counter()
        self.page.goto(path.as_uri())
        # Poll from Python: wait_for_function evaluates strings, which the page's CSP forbids.
        while self.page.evaluate("document.body.getAttribute('data-pret')") != "1":
            assert time.perf_counter() - start < 60, "la carte n'est pas prête après 60 s"
            self.page.wait_for_timeout(50)
        self.ready = time.perf_counter() - start

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def counts(self) -> list[int]:
        return self.page.evaluate("[carte.network.body.data.nodes.length,"
                                  " carte.network.body.data.edges.length]")

    def assert_clean(self) -> None:
        assert not self.blocked, f"requêtes hors fichier tentées : {self.blocked}"
        assert all(u.startswith(("file:", "data:")) for u in self.requests), self.requests
        assert not self.console, self.console
        assert not self.dialogs, self.dialogs

    def assert_not_blank(self) -> None:
        from PIL import Image

        shot = Image.open(io.BytesIO(self.page.locator("#reseau").screenshot())).convert("RGB")
        colors = shot.getcolors(maxcolors=1 << 20) or []
        inked = sum(n for n, rgb in colors if sum(rgb) < 700)
        assert len(colors) > 50, "capture d'écran presque unie"
        assert inked / (shot.width * shot.height) > 0.005, "capture d'écran blanche"


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    executable = _require_browser()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 800}, service_workers="block")
        yield context
        context.close()


@pytest.mark.browser
def test_map_in_chromium(browser_context, small_graph, tmp_path):
    path = tmp_path / "carte.html"
    path.write_text(build_map(small_graph, findings=FINDINGS).html, encoding="utf-8")
    page = Page(browser_context, path)
    try:
        assert page.counts() == [12, 16]
        page.assert_not_blank()
        p = page.page
        # hover the hostile actor: its name shows as text, no element comes from it
        point = p.evaluate("""(() => { const n = carte.network;
            return n.canvasToDOM(n.getPositions(['Acteur:hostile'])['Acteur:hostile']); })()""")
        box = p.locator("#reseau").bounding_box()
        p.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        p.wait_for_selector("#infobulle h3", state="visible")
        assert p.inner_text("#infobulle h3") == HOSTILE_NAME
        p.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        assert SCRIPT_MISSIONS in p.inner_text("#fiche")
        assert p.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
        # filters and search
        p.select_option("#filtre-thematique", "mobilite")
        assert p.inner_text("#visibles").startswith("3 acteurs affichés sur 12")
        p.select_option("#filtre-thematique", "")
        p.check("#filtre-membres")
        assert p.inner_text("#visibles").startswith("8 acteurs")
        p.click("#reinitialiser")
        p.uncheck("#legende-familles input[data-famille='association']")
        assert p.inner_text("#visibles").startswith("10 acteurs")
        p.click("#tout-cocher")
        p.fill("#recherche", "vannes")
        assert p.inner_text("#recherche-resultat").startswith("3 acteurs trouvés")
        assert len(p.evaluate("carte.network.getSelectedNodes()")) == 3
        p.click("#doublons button")
        assert p.evaluate("carte.network.getSelectedNodes().length") == 3
        assert "3 acteurs sélectionnés." in p.inner_text("#doublons")
        page.assert_clean()
    finally:
        page.page.close()


@pytest.mark.browser
def test_2000_actor_map_in_chromium(browser_context, big_graph, tmp_path):
    path = tmp_path / "grande-carte.html"
    path.write_text(build_map(big_graph).html, encoding="utf-8")
    page = Page(browser_context, path)
    try:
        assert page.counts() == [2000, 3000]
        assert page.ready < 30, f"carte prête en {page.ready:.1f} s"
        assert page.page.evaluate("carte.network.physics.physicsEnabled") is False
        page.assert_not_blank()
        page.assert_clean()
    finally:
        page.page.close()


OVERLAPS = """(() => { const n = carte.network;
    const ids = carte.nodes.getIds({filter: x => !x.hidden});
    const boxes = ids.map(id => n.getBoundingBox(id)); let overlaps = 0;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps++;
    }
    const scale = n.getScale();
    const px = ids.map(id => n.body.nodes[id].options.font.size * scale);
    return {overlaps: overlaps, min: Math.min(...px), max: Math.max(...px)}; })()"""
IN_VIEW = """(() => { const n = carte.network, c = document.getElementById('reseau');
    const ids = carte.nodes.getIds({filter: x => !x.hidden}); const pos = n.getPositions(ids);
    return ids.filter(id => { const d = n.canvasToDOM(pos[id]);
      return d.x >= 0 && d.y >= 0 && d.x <= c.clientWidth && d.y <= c.clientHeight; }).length
      + '/' + ids.length; })()"""


@pytest.mark.browser
def test_demo_map_reads_at_its_default_zoom(browser_context, demo_graph, tmp_path):
    findings = compute_findings(demo_graph, with_consortium=False, with_network=False)
    path = tmp_path / "carte.html"
    path.write_text(build_map(demo_graph, findings=findings).html, encoding="utf-8")
    page = Page(browser_context, path)
    try:
        p = page.page
        # The title names the consortium, not the data set's folder.
        assert p.inner_text("h1") == "Carte des acteurs : SPIE Morbihan – pour un parcours " \
                                     "sans couture"
        # Every label is drawn at one legible size whatever its point's size (before: 5.5 to
        # 10 px at this zoom, the préfecture's and the DDETS's smallest), and no label's box
        # overlaps another's (before: 53 overlapping pairs, the CD's name under another).
        labels = p.evaluate(OVERLAPS)
        assert labels["overlaps"] == 0, labels
        assert labels["min"] == labels["max"] and labels["min"] >= 11, labels
        # A search zooms in; a thématique chosen then shows every actor it keeps.
        p.fill("#recherche", "vannes")
        p.wait_for_timeout(600)
        p.select_option("#filtre-thematique", "mobilite")
        p.wait_for_timeout(600)
        shown, total = p.evaluate(IN_VIEW).split("/")
        assert shown == total == "12"
        # Findings follow the filters: no duplicate group has two actors offering mobility.
        hidden = p.evaluate("[...document.querySelectorAll('#doublons li')].map(li => li.hidden)")
        assert hidden and all(hidden)
        assert "0 sur 4 avec les filtres" in p.inner_text("#doublons-compte")
        gaps = p.evaluate("[...document.querySelectorAll('#manques li')]"
                          ".filter(li => !li.hidden).map(li => li.textContent)")
        assert gaps and all(g.startswith("Mobilité") for g in gaps)
        p.click("#reinitialiser")
        page.assert_clean()
    finally:
        page.page.close()


def test_map_findings_are_those_of_the_actors_shown(demo_graph):
    findings = compute_findings(demo_graph, with_consortium=False, with_network=False)
    assert findings.duplicates  # four groups on the whole map...
    data = payload(build_map(demo_graph, thematique="mobilite", findings=findings).html)
    assert data["doublons"] == []  # ...none between actors of the mobility map
    on_map = {n["id"] for n in data["nodes"]}
    assert all(set(g["acteurs"]) <= on_map for g in data["doublons"])
    assert all(g["thematique"] and g["categorie"] == "mobilite" for g in data["manques"])


def test_map_title_and_labels(small_graph, demo_graph):
    assert build_map(demo_graph).title == ("Carte des acteurs : SPIE Morbihan – pour un "
                                          "parcours sans couture")
    data = payload(build_map(demo_graph).html)
    labels = {n["label"] for n in data["nodes"]}
    assert "Centre médico-social de Vannes" in labels  # « (Département du Morbihan) » dropped
    assert max(len(label) for label in labels) <= 40


def test_a_national_map_keeps_the_members_and_the_most_connected(big_graph, monkeypatch):
    """Past MAX_ACTORS the map draws the consortium's members, then the most connected
    actors, and says how many it left out; the panels list the most populated findings."""
    import spie_graph.render.map as map_module

    monkeypatch.setattr(map_module, "MAX_ACTORS", 100)
    result = build_map(big_graph)
    data = payload(result.html)
    assert (result.nodes, result.total_actors) == (100, 2000) and len(data["nodes"]) == 100
    kept = {n["id"] for n in data["nodes"]}
    from spie_graph.graph.views import actor_profiles

    members = {p.key for p in actor_profiles(big_graph, referentials()).values() if p.membre}
    assert members and members <= kept
    degree = {key: 0 for key, node in big_graph.nodes(data=True) if node["label"] == "Acteur"}
    for u, v, rel in big_graph.edges(data="type"):
        if rel == "INTERAGIT":
            degree[u] += 1
            degree[v] += 1
    others = sorted((degree[k] for k in degree if k not in members), reverse=True)
    shown = [degree[k] for k in kept - members]
    assert min(shown) >= others[len(shown) - 1]  # none left out is more connected
    assert "100 acteurs sur 2\u202f000" in result.html or "100 acteurs sur 2 000" in result.html


def test_the_panels_list_the_most_populated_findings(small_graph, monkeypatch):
    import spie_graph.render.map as map_module

    monkeypatch.setattr(map_module, "MAX_LISTED", 1)
    result = build_map(small_graph, findings=FINDINGS)
    data = payload(result.html)
    assert [g["besoin"] for g in data["manques"]] == ["Santé"]
    assert "Besoins non couverts (2)" in result.html and "Les 1 plus peuplés" in result.html


def test_cli_map_says_when_it_keeps_the_most_connected(runner, small_path, tmp_path,
                                                       monkeypatch):
    import spie_graph.render.map as map_module

    monkeypatch.setattr(map_module, "MAX_ACTORS", 5)
    result = runner.invoke(main, ["map", "--dataset", str(small_path),
                                  "-o", str(tmp_path / "carte.html")])
    assert result.exit_code == 0, result.output
    assert "5 acteurs sur 12 (les plus reliés\u202f; --territoire" in result.output


@pytest.mark.parametrize("which", ["small", "big"])
def test_actor_marks_are_the_complete_maps_nodes(which, small_graph, big_graph):
    """The Gephi exports' colours, sizes and positions (actor_marks) are the complete map's,
    above and below the layout threshold."""
    from spie_graph.render.map import SCALING, actor_marks, map_elements

    graph = small_graph if which == "small" else big_graph
    marks = actor_marks(graph)
    found = map_elements(graph, restreindre=False, complet=True)
    assert [p.key for p in marks.profiles] == [n["id"] for n in found.nodes]
    assert marks.colors == [n["color"]["background"] for n in found.nodes]
    assert marks.values == [n["value"] for n in found.nodes]
    assert marks.positions == {n["id"]: (n["x"], n["y"]) for n in found.nodes if "x" in n}
    assert bool(marks.positions) == (len(found.nodes) > LAYOUT_THRESHOLD) == (which == "big")
    assert [(u, v) for u, v, _ in marks.links] == [(e["from"], e["to"]) for e in found.edges]
    scaling = found.options["nodes"]["scaling"]
    assert (scaling["min"], scaling["max"]) == SCALING


def test_actors_working_on_a_territory_share_a_commune_with_it():
    """The map's territory filter (one set lookup per zone) keeps exactly the actors one
    of whose zones shares a commune with the territory."""
    import random
    from types import SimpleNamespace

    from spie_graph.render.map import _working_in

    refs = referentials()
    terr = refs.territoires
    rng = random.Random(4)
    pool = (["france", "region:53", "region:32", "56", "35", "59", "2A", "974"]
            + sorted(terr.epcis_in("56"))[:6] + sorted(terr.epcis_in("59"))[:4]
            + rng.sample(sorted(terr.communes("56")), 20)
            + rng.sample(sorted(terr.communes("59")), 10)
            + ["99999", "inconnu"])
    actors = [SimpleNamespace(key=f"a{i}", zones=tuple(rng.sample(pool, rng.randint(0, 3))))
              for i in range(400)]
    for territoire in ["56", "56260", sorted(terr.epcis_in("56"))[0], "region:53", "59",
                       "france", "974"]:
        communes = terr.communes(territoire)
        expected = [a.key for a in actors if any(
            z in terr and not communes.isdisjoint(terr.communes(z)) for z in a.zones)]
        found = [a.key for a in _working_in(actors, territoire, refs)]
        assert found == expected
        assert 0 < len(found) < len(actors)
