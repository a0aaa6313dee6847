"""Generated data·inclusion v1 exports, as data·inclusion publishes them (written by pandas).

:func:`generate` builds structures and services with every field of the schema
v1 filled with valid values (codes drawn from the shipped referentials, communes
from the COG); :func:`write_export` writes them in the five formats of the weekly
export with pandas, the way data·inclusion's ``publish_opendata`` does
(``DataFrame.to_csv``, ``to_json(orient="records")`` with dates as
``datetime64`` so epoch milliseconds, ``to_parquet``, ``to_excel`` with its
index column) and GeoJSON features. Used by the tests and by
``benchmarks/bench_data_inclusion.py`` (national size).
"""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

from spie_graph.reference.referentials import referentials
from spie_graph.sources.data_inclusion.records import FIELDS, V1_ENUMS

__all__ = ["FORMATS", "generate", "write_export", "api_pages"]

FORMATS = ("csv", "json", "geojson", "parquet", "xlsx")
SOURCES = ("dora", "france-travail", "mission-locale", "action-logement", "monenfant")


def generate(structures: int, services: int, *, seed: int = 7,
             departements: tuple[str, ...] | None = None) -> tuple[list[dict], list[dict]]:
    """``structures`` structures and ``services`` services, every v1 field valid and filled."""
    rng = random.Random(seed)
    refs = referentials()
    terr = refs.territoires
    communes = sorted(c for d in (departements or ("56", "29", "974"))
                      for c in terr.communes(d))
    themes = sorted(c for c, t in refs.thematiques.items() if not t.est_categorie)
    publics = sorted(p for p in refs.publics if p != "tous-publics")
    reseaux = sorted(refs.reseaux_porteurs)
    types = sorted(refs.moments_par_type_service)
    structure_rows = []
    for i in range(structures):
        commune = rng.choice(communes)
        structure_rows.append({
            "source": SOURCES[i % len(SOURCES)], "id": f"s{i}", "nom": f"Structure {i}",
            "description": f"Structure {i} : accompagnement des personnes.",
            "siret": f"{rng.randrange(10**13, 10**14)}", "code_insee": commune,
            "commune": terr.name(commune), "code_postal": f"{rng.randrange(10000, 99999)}",
            "adresse": f"{i} rue de la République", "complement_adresse": "Bâtiment A",
            "latitude": round(rng.uniform(42, 51), 5), "longitude": round(rng.uniform(-5, 8), 5),
            "telephone": "0102030405", "courriel": f"contact{i}@exemple.fr",
            "site_web": f"https://structure{i}.exemple.fr",
            "lien_source": f"https://dora.exemple.fr/structures/{i}",
            "horaires_accueil": "Mo-Fr 09:00-17:00",
            "accessibilite_lieu": f"https://acceslibre.beta.gouv.fr/app/{i}/",
            "reseaux_porteurs": [rng.choice(reseaux)], "date_maj": "2026-03-02",
        })
    service_rows = []
    for i in range(services):
        structure = structure_rows[rng.randrange(structures)]
        service_rows.append({
            "source": structure["source"], "id": f"v{i}", "structure_id": structure["id"],
            "nom": f"Service {i}", "description": f"Service {i} : un accompagnement.",
            "type": rng.choice(types), "thematiques": sorted(rng.sample(themes, 2)),
            "frais": rng.choice(V1_ENUMS["frais"]), "frais_precisions": "Selon ressources",
            "publics": sorted(rng.sample(publics, 2)), "publics_precisions": "Sans condition",
            "conditions_acces": "Être inscrit", "commune": structure["commune"],
            "code_postal": structure["code_postal"], "code_insee": structure["code_insee"],
            "adresse": structure["adresse"], "complement_adresse": "Porte B",
            "latitude": structure["latitude"], "longitude": structure["longitude"],
            "telephone": "0102030405", "courriel": f"service{i}@exemple.fr",
            "contact_nom_prenom": "Camille Martin", "date_maj": "2026-02-27",
            "lien_source": f"https://dora.exemple.fr/services/{i}",
            "horaires_accueil": "Mo-Fr 09:00-12:00", "modes_accueil": ["en-presentiel"],
            "zone_eligibilite": [structure["code_insee"]] if i % 20 else ["france"],
            "modes_mobilisation": ["telephoner", "se-presenter"],
            "lien_mobilisation": f"https://dora.exemple.fr/services/{i}/mobiliser",
            "mobilisable_par": ["professionnels", "usagers"],
            "mobilisation_precisions": "Sur rendez-vous", "volume_horaire_hebdomadaire": 3.5,
            "nombre_semaines": 12, "score_qualite": round(rng.uniform(0.2, 1.0), 2),
        })
    for rows, table in ((structure_rows, "structures"), (service_rows, "services")):
        fields = FIELDS[("v1", table)]
        assert all(set(r) <= fields for r in rows), table
    return structure_rows, service_rows


def _to_json(frame, path: Path | None = None) -> str | None:
    """``to_json`` as data·inclusion calls it: records, dates as epoch milliseconds (the
    pandas 2 default its pipeline runs on; pandas 3 deprecates it, hence the filter)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return frame.to_json(path, orient="records", force_ascii=False, date_format="epoch")


def write_export(rows: list[dict], folder: Path, table: str, fmt: str,
                 day: str = "2026-03-02") -> Path:
    """Write rows as data·inclusion's weekly export ``{table}-inclusion-{day}.{fmt}``."""
    import pandas as pd  # the test extra: data·inclusion writes its exports with pandas

    path = folder / f"{table}-inclusion-{day}.{fmt}"
    frame = pd.DataFrame(rows)
    frame["date_maj"] = pd.to_datetime(frame["date_maj"])
    if fmt == "csv":
        frame["date_maj"] = frame["date_maj"].dt.strftime("%Y-%m-%d")
        frame.to_csv(path, index=False)          # lists written as "['a', 'b']"
    elif fmt == "json":
        _to_json(frame, path)                    # dates: epoch ms
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt == "xlsx":
        frame["date_maj"] = frame["date_maj"].dt.strftime("%Y-%m-%d")
        frame.astype({c: str for c in frame.columns if frame[c].map(type).eq(list).any()}) \
            .to_excel(path)                      # with the index column, lists as text
    elif fmt == "geojson":
        records = json.loads(_to_json(frame))
        features = [{"type": "Feature", "properties": r,
                     "geometry": {"type": "Point",
                                  "coordinates": [r.get("longitude"), r.get("latitude")]}}
                    for r in records]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                   ensure_ascii=False), encoding="utf-8")
    else:
        raise ValueError(fmt)
    return path


def api_pages(structures: list[dict], services: list[dict], size: int) -> list[dict]:
    """Pages of the data·inclusion API's search: each service with its structure inside."""
    by_id = {s["id"]: s for s in structures}
    items = [{"service": {**s, "structure": by_id[s["structure_id"]]}, "distance": None}
             for s in services]
    pages = max(1, -(-len(items) // size))
    return [{"items": items[p * size:(p + 1) * size], "total": len(items), "page": p + 1,
             "size": size, "pages": pages} for p in range(pages)]
