"""Data sets written for the map, annex and export tests.

``small_dataset(make_dataset)``: 12 actors of the Morbihan (the names of
associations are fictitious), 18 services, 14 interactions, a consortium of 8
members, and hostile texts (HTML, quotes, ``</script>``, spreadsheet formulas) in
names and missions.

``generated_dataset(n)``: a valid :class:`~spie_graph.model.Dataset` of ``n``
actors built in memory (no files, no validation), for size tests.

``hostile_graph(graph)``: a copy of a graph with characters XML cannot hold,
markup and ids an XML name cannot hold, for the exports' writers.
"""

from __future__ import annotations

import random

import networkx as nx

from spie_graph.sources.model import Acteur, Consortium, Dataset, Interaction, Membre, Service

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
QUOTED_NAME = "Association \"Le Lien\" d'Auray (fictive)"
SCRIPT_MISSIONS = "</script><script>alert('x')</script> & « accueil »"
FORMULA = "=HYPERLINK(\"http://exemple.invalid\",\"clic\")"

ACTEURS = [
    {"id": "cd56", "nom": "Conseil départemental du Morbihan", "famille": "cd",
     "commune": "56260", "territoire": "56",
     "missions": "Chef de file de l'insertion ; RSA ; orientation des allocataires",
     "competences": ["RSA", "insertion", "action sociale"],
     "publics": ["beneficiaires-des-minimas-sociaux"]},
    {"id": "ft-vannes", "nom": "France Travail Vannes", "famille": "france-travail",
     "commune": "56260", "territoire": "200067932",
     "missions": "Accompagnement vers l'emploi", "competences": ["emploi", "diagnostic"]},
    {"id": "caf56", "nom": "CAF du Morbihan", "famille": "caf", "commune": "56260",
     "territoire": "56", "missions": "Prestations familiales, RSA (versement)"},
    {"id": "ml-vannes", "nom": "Mission locale du Pays de Vannes", "famille": "mission-locale",
     "commune": "56260", "territoire": "200067932", "publics": ["jeunes"],
     "missions": "Accompagnement global des 16-25 ans"},
    {"id": "capemploi56", "nom": "Cap emploi 56", "famille": "cap-emploi", "commune": "56121",
     "territoire": "56", "publics": ["personnes-en-situation-de-handicap"]},
    {"id": "aci-golfe", "nom": "Les Jardins du Golfe (fictif)", "famille": "aci",
     "commune": "56260", "territoire": "200067932", "missions": "Chantier maraîcher"},
    {"id": "mob56", "nom": "Plateforme mobilité Morbihan (fictive)", "famille": "mobilite",
     "commune": "56121", "territoire": "56", "missions": "Diagnostic mobilité, location"},
    {"id": "ccas-vannes", "nom": "CCAS de Vannes", "famille": "ccas-cias", "commune": "56260"},
    {"id": "siao56", "nom": "SIAO du Morbihan", "famille": "siao", "commune": "56260",
     "territoire": "56"},
    {"id": "hostile", "nom": HOSTILE_NAME, "famille": "association", "commune": "56178",
     "missions": SCRIPT_MISSIONS, "competences": [FORMULA, "-2+3", "@SUM(A1)"]},
    {"id": "lien-auray", "nom": QUOTED_NAME, "famille": "association", "commune": "56007",
     "missions": "Lien social et accès aux droits"},
    {"id": "creche-lorient", "nom": "Crèche AVIP de Lorient (fictive)",
     "famille": "garde-enfants", "commune": "56121", "territoire": "200042174"},
]

SERVICES = [
    {"id": "cd-orientation", "acteur": "cd56", "nom": "Orientation RSA",
     "thematiques": ["difficultes-administratives-ou-juridiques"], "moments": ["entree"]},
    {"id": "cd-referent", "acteur": "cd56", "nom": "Référent de parcours",
     "thematiques": ["remobilisation"], "moments": ["suivi"]},
    {"id": "cd-aide-permis", "acteur": "cd56", "nom": "Aide au permis",
     "thematiques": ["mobilite--preparer-un-permis"], "moments": ["offre"]},
    {"id": "ft-diag", "acteur": "ft-vannes", "nom": "Diagnostic emploi",
     "thematiques": ["trouver-un-emploi"], "moments": ["entree", "suivi"]},
    {"id": "ft-formation", "acteur": "ft-vannes", "nom": "Financement de formations",
     "thematiques": ["se-former"], "moments": ["offre"]},
    {"id": "caf-droits", "acteur": "caf56", "nom": "Accès aux droits",
     "thematiques": [
         "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
     "moments": ["entree"]},
    {"id": "caf-garde", "acteur": "caf56", "nom": "Aide à la garde d'enfants",
     "thematiques": ["famille--garde-denfants"], "moments": ["offre"]},
    {"id": "ml-pacea", "acteur": "ml-vannes", "nom": "PACEA", "publics": ["jeunes"],
     "thematiques": ["trouver-un-emploi"], "moments": ["suivi"]},
    {"id": "ml-mobilite", "acteur": "ml-vannes", "nom": "Aide à la mobilité des jeunes",
     "publics": ["jeunes"], "thematiques": ["mobilite"], "moments": ["offre"]},
    {"id": "cap-accomp", "acteur": "capemploi56", "nom": "Accompagnement emploi handicap",
     "publics": ["personnes-en-situation-de-handicap"], "thematiques": ["trouver-un-emploi"],
     "moments": ["suivi"]},
    {"id": "aci-emploi", "acteur": "aci-golfe", "nom": "Contrat à durée déterminée d'insertion",
     "thematiques": ["trouver-un-emploi"], "moments": ["offre"]},
    {"id": "mob-location", "acteur": "mob56", "nom": "Location solidaire de véhicules",
     "thematiques": ["mobilite--acceder-a-un-vehicule"], "moments": ["offre"]},
    {"id": "mob-diag", "acteur": "mob56", "nom": "Diagnostic mobilité",
     "thematiques": ["mobilite--etre-accompagne-dans-son-parcours-mobilite"],
     "moments": ["entree"]},
    {"id": "ccas-domiciliation", "acteur": "ccas-vannes", "nom": "Domiciliation",
     "thematiques": ["difficultes-administratives-ou-juridiques"], "moments": ["entree"]},
    {"id": "siao-hebergement", "acteur": "siao56", "nom": "Hébergement d'urgence (115)",
     "thematiques": ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"],
     "moments": ["offre"]},
    {"id": "hostile-service", "acteur": "hostile", "nom": "<b>Atelier</b> \"CV\" & lettre",
     "thematiques": ["preparer-sa-candidature"], "moments": ["suivi"]},
    {"id": "lien-numerique", "acteur": "lien-auray", "nom": "Atelier numérique",
     "thematiques": ["numerique"], "moments": ["offre"]},
    {"id": "creche-places", "acteur": "creche-lorient", "nom": "Places en crèche AVIP",
     "thematiques": ["famille--garde-denfants"], "moments": ["offre"]},
]

INTERACTIONS = [
    {"source": "cd56", "cible": "ft-vannes", "type": "convention",
     "description": "Accompagnement global"},
    {"source": "cd56", "cible": "ft-vannes", "type": "partage-donnees"},
    {"source": "cd56", "cible": "caf56", "type": "partage-donnees"},
    {"source": "cd56", "cible": "aci-golfe", "type": "financement"},
    {"source": "cd56", "cible": "mob56", "type": "financement"},
    {"source": "ft-vannes", "cible": "ml-vannes", "type": "orientation"},
    {"source": "ft-vannes", "cible": "capemploi56", "type": "orientation"},
    {"source": "ml-vannes", "cible": "mob56", "type": "orientation"},
    {"source": "ccas-vannes", "cible": "siao56", "type": "orientation"},
    {"source": "cd56", "cible": "ccas-vannes", "type": "gouvernance"},
    {"source": "hostile", "cible": "cd56", "type": "partenariat"},
    {"source": "lien-auray", "cible": "hostile", "type": "co-accompagnement"},
    {"source": "caf56", "cible": "creche-lorient", "type": "financement"},
    {"source": "cd56", "cible": "ml-vannes", "type": "mise-a-disposition"},
]

MEMBRES = ["cd56", "ft-vannes", "caf56", "ml-vannes", "mob56", "ccas-vannes", "siao56",
           "hostile"]

CONSORTIUM = {
    "nom": "SPIE du Morbihan",
    "porteur": "cd56",
    "accord_cd": True,
    "territoire": ["56"],
    "publics": ["beneficiaires-des-minimas-sociaux", "jeunes"],
    "membres": [{"acteur": a, "role": "porteur" if a == "cd56" else "partenaire",
                 "lettre_engagement": a in ("cd56", "ft-vannes", "caf56")} for a in MEMBRES],
}


def small_dataset(make_dataset, name: str = "petit", consortium: bool = True):
    """Write the small data set folder and return its path."""
    return make_dataset(name, acteurs=ACTEURS, services=SERVICES, interactions=INTERACTIONS,
                        consortium=CONSORTIUM if consortium else None)


FAMILLES = ["cd", "france-travail", "caf", "mission-locale", "aci", "ei", "mobilite",
            "ccas-cias", "siao", "association", "organisme-formation", "sante", "garde-enfants",
            "entreprise", "plie"]
THEMES = ["mobilite", "logement-hebergement", "sante--acces-aux-soins", "trouver-un-emploi",
          "se-former", "famille--garde-denfants", "numerique", "remobilisation"]
KINDS = ["convention", "financement", "orientation", "partenariat", "gouvernance",
         "partage-donnees", "co-accompagnement", "mise-a-disposition"]
COMMUNES = ["56260", "56121", "56178", "56007", "56098", "56162", "56083", "56165"]


def generated_dataset(n: int, links_per_actor: float = 1.5, seed: int = 3) -> Dataset:
    """A data set of ``n`` actors with one or two services each, built in memory."""
    rng = random.Random(seed)
    acteurs, services, interactions = [], [], []
    for i in range(n):
        ident = f"a{i:05d}"
        acteurs.append(Acteur(id=ident, nom=f"Acteur {i} {rng.choice(FAMILLES)}",
                              famille=FAMILLES[i % len(FAMILLES)],
                              commune=COMMUNES[i % len(COMMUNES)],
                              territoire=[COMMUNES[i % len(COMMUNES)]],
                              missions=f"Missions de l'acteur {i}"))
        for j in range(1 + i % 2):
            services.append(Service(id=f"s{i:05d}-{j}", acteur=ident, nom=f"Service {i}.{j}",
                                    thematiques=[rng.choice(THEMES)],
                                    moments=[rng.choice(["entree", "suivi", "offre"])],
                                    territoire=[COMMUNES[(i + j) % len(COMMUNES)]]))
    seen = set()
    while len(interactions) < int(n * links_per_actor):
        a, b = rng.randrange(n), rng.randrange(n)
        kind = rng.choice(KINDS)
        if a == b or (a, b, kind) in seen:
            continue
        seen.add((a, b, kind))
        interactions.append(Interaction(source=f"a{a:05d}", cible=f"a{b:05d}", type=kind))
    consortium = Consortium(nom="Consortium généré", porteur="a00000", accord_cd=True,
                            territoire=["56"],
                            membres=[Membre(acteur=f"a{i:05d}") for i in range(0, n, 50)])
    return Dataset(nom=f"genere-{n}", acteurs=acteurs, services=services,
                   interactions=interactions, consortium=consortium)


def hostile_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with characters XML cannot hold and markup in names and edge texts."""
    graph = graph.copy()
    graph.nodes["Acteur:cd56"]["nom"] = "CD\x00 du\x0b Morbihan\x1f \ufffe<&>\"'"
    graph.nodes["Acteur:cd56"]["missions"] = "ligne 1\nligne 2\r\n\ttabulée"
    graph.add_node("Acteur:un id à espaces|et>signes", label="Acteur", id="un id",
                   nom="Bizarre", famille="autre")
    graph.add_edge("Acteur:un id à espaces|et>signes", "Acteur:cd56", key="INTERAGIT:x y",
                   type="INTERAGIT", interaction="x y", description="a\x01b")
    return graph
