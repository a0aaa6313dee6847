"""How actors and interactions look, wherever they are drawn.

One visual vocabulary for the interactive map and the annex's picture:

- a colour per actor family: one hue per group of families (collectivités in
  blue, État in violet, IAE in green, freins périphériques in red...), shades
  within the group (:func:`family_colors`);
- a line style per interaction type (:data:`INTERACTION_STYLES`);
- positions computed in Python (:func:`actor_layout`): a force layout up to
  :data:`SPRING_LIMIT` actors, then a layout by family sectors, linear in the
  number of actors, so a 2,000-actor map builds in seconds;
- :func:`network_png`: the static picture of the network (matplotlib).
"""

from __future__ import annotations

import colorsys
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from spie_graph.graph.views import ActorProfile
from spie_graph.reference.referentials import Referentials, referentials

__all__ = [
    "DUPLICATE_STYLE",
    "INTERACTION_STYLES",
    "PICTURE_MAX",
    "SPRING_LIMIT",
    "EdgeStyle",
    "most_connected",
    "actor_layout",
    "family_colors",
    "interaction_style",
    "network_png",
]

SPRING_LIMIT = 500
"""Above this number of actors, :func:`actor_layout` places them by family sectors."""

_GROUP_HUES = {
    "collectivites": 212, "etat": 268, "protection-sociale": 178, "emploi-jeunesse": 36,
    "formation": 54, "iae": 122, "freins": 350, "societe-civile": 312,
}
_GREY = "#8a8f98"


@dataclass(frozen=True)
class EdgeStyle:
    """How an interaction type is drawn: colour, dash pattern (px), width, arrow."""

    color: str
    dashes: tuple[int, ...] = ()
    width: float = 2.0
    arrow: bool = True


INTERACTION_STYLES: dict[str, EdgeStyle] = {
    "convention": EdgeStyle("#37474f", (), 2.0, True),
    "financement": EdgeStyle("#2e7d32", (), 3.0, True),
    "orientation": EdgeStyle("#1565c0", (8, 4), 2.0, True),
    "partenariat": EdgeStyle("#8d6e63", (), 1.5, False),
    "gouvernance": EdgeStyle("#6a1b9a", (2, 4), 2.0, True),
    "partage-donnees": EdgeStyle("#00838f", (10, 3, 2, 3), 2.0, True),
    "co-accompagnement": EdgeStyle("#ef6c00", (), 2.5, False),
    "mise-a-disposition": EdgeStyle("#5d4037", (4, 4), 1.5, True),
}
DUPLICATE_STYLE = EdgeStyle("#d32f2f", (3, 3), 2.5, False)
_OTHER_STYLE = EdgeStyle(_GREY, (), 1.5, True)


def interaction_style(kind: str) -> EdgeStyle:
    """The style of an interaction type (grey for a type the referential lacks)."""
    return INTERACTION_STYLES.get(kind, _OTHER_STYLE)


def _hex(hue: float, light: float, sat: float) -> str:
    r, g, b = colorsys.hls_to_rgb((hue % 360) / 360, light, sat)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def family_colors(refs: Referentials | None = None) -> dict[str, str]:
    """A colour (``#rrggbb``) for every family code of the referential.

    Families of a group share a hue, shifted and lightened from the first
    family to the last, so the group reads at a glance and the legend tells the
    families apart.
    """
    refs = refs or referentials()
    groups: dict[str, list[str]] = defaultdict(list)
    for famille in refs.familles.values():
        groups[famille.groupe].append(famille.code)
    colors: dict[str, str] = {}
    for group, codes in groups.items():
        hue = _GROUP_HUES.get(group)
        spread = min(10 * (len(codes) - 1), 36)
        for index, code in enumerate(codes):
            if hue is None:
                colors[code] = _GREY
                continue
            t = index / (len(codes) - 1) if len(codes) > 1 else 0.5
            light = (0.36, 0.56, 0.46)[index % 3]  # neighbours differ in lightness
            sat = (0.70, 0.62, 0.45)[index % 3]
            colors[code] = _hex(hue + (t - 0.5) * spread, light, sat)
    return colors


def color_of(famille: str, colors: dict[str, str]) -> str:
    return colors.get(famille, _GREY)


# -- layout --------------------------------------------------------------------

def _sector_layout(order: Sequence[tuple[str, str]], degree: Counter,
                   spacing: float) -> dict[str, tuple[float, float]]:
    """Families as discs on a ring, actors on a sunflower spiral in each (hubs first)."""
    families: dict[str, list[str]] = defaultdict(list)
    for key, famille in order:
        families[famille].append(key)
    radii = {f: spacing * math.sqrt(len(keys) + 1) for f, keys in families.items()}
    gap = spacing * 2
    circumference = sum(2 * r + gap for r in radii.values())
    ring = circumference / (2 * math.pi) if len(families) > 1 else 0.0
    golden = math.pi * (3 - math.sqrt(5))
    positions: dict[str, tuple[float, float]] = {}
    arc = 0.0
    for famille, keys in families.items():
        r = radii[famille]
        angle = (arc + r + gap / 2) / ring if ring else 0.0
        arc += 2 * r + gap
        cx, cy = ring * math.cos(angle), ring * math.sin(angle)
        for i, key in enumerate(sorted(keys, key=lambda k: -degree[k])):
            rho, theta = spacing * math.sqrt(i + 0.5), i * golden
            positions[key] = (cx + rho * math.cos(theta), cy + rho * math.sin(theta))
    return positions


def actor_layout(order: Sequence[tuple[str, str]], edges: Iterable[tuple[str, str]],
                 spacing: float = 30.0, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions of actors, in pixels around (0, 0).

    Parameters
    ----------
    order : sequence of (key, famille)
        The actors to place, with their family.
    edges : iterable of (key, key)
        Interactions between them (direction ignored).
    spacing : float
        About the distance between neighbouring actors.

    Notes
    -----
    Up to :data:`SPRING_LIMIT` actors: NetworkX's Fruchterman-Reingold force
    layout, O(n²) per iteration (dense, without SciPy). Above: family sectors,
    O(n log n), actors with most interactions at the centre of their family.
    Deterministic for a given input.
    """
    keys = [key for key, _ in order]
    if not keys:
        return {}
    links = [(u, v) for u, v in edges if u != v]
    degree: Counter = Counter()
    for u, v in links:
        degree[u] += 1
        degree[v] += 1
    if len(keys) > SPRING_LIMIT:
        return _sector_layout(order, degree, spacing)
    simple = nx.Graph()
    simple.add_nodes_from(keys)
    simple.add_edges_from(links)
    raw = nx.spring_layout(simple, seed=seed, iterations=120,
                           k=1.6 / math.sqrt(max(len(keys), 1)))
    scale = spacing * 1.1 * math.sqrt(len(keys))
    return {k: (float(raw[k][0]) * scale, float(raw[k][1]) * scale) for k in keys}


# -- static picture ------------------------------------------------------------

def _short(text: str, limit: int = 28) -> str:
    """One printable line, cut with « … » past ``limit`` characters."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


PICTURE_MAX = 2000
"""A picture of the network draws at most this many actors (:func:`most_connected`)."""


def most_connected(profiles: Sequence[ActorProfile], limit: int) -> list[ActorProfile]:
    """The ``limit`` actors with the most interactions, then services (ties: by name), in
    their order."""
    ranked = sorted(profiles, key=lambda p: (-len(p.interactions), -len(p.services), p.nom,
                                             p.id))
    chosen = {p.id for p in ranked[:limit]}
    return [p for p in profiles if p.id in chosen]


def network_png(profiles: Sequence[ActorProfile], refs: Referentials | None = None,
                focus: Iterable[str] | None = None, width_cm: float = 17.0,
                height_cm: float = 10.0, dpi: int = 200) -> bytes:
    """A PNG picture of the actors' network: colour by family, line style by interaction.

    Parameters
    ----------
    profiles : sequence of ActorProfile
        Every actor (from :func:`spie_graph.graph.views.actor_profiles`).
    focus : iterable of str, optional
        Actor ids to show in colour (the consortium's members); their direct
        partners are drawn small and grey, other actors are left out. All actors
        when None.

    Notes
    -----
    Names are drawn as plain text (no mathtext: ``$`` in a name stays a dollar).
    Labels are written up to 60 actors (the focus only, when more than 30 are
    drawn). Layout: :func:`actor_layout`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    refs = refs or referentials()
    colors = family_colors(refs)
    by_id = {p.id: p for p in profiles}
    shown = set(by_id) if focus is None else {i for i in focus if i in by_id}
    partners: set[str] = set()
    if focus is not None:
        for ident in shown:
            partners.update(i.partenaire for i in by_id[ident].interactions)
        partners -= shown
    drawn = [p for p in profiles if p.id in shown or p.id in partners]
    edges: dict[tuple[str, str, str], None] = {}
    for p in drawn:
        for link in p.interactions:
            if link.sens == "sortante" and link.partenaire in by_id and (
                    link.partenaire in shown or link.partenaire in partners) and (
                    p.id in shown or link.partenaire in shown):
                edges[(p.id, link.partenaire, link.type)] = None
    positions = actor_layout([(p.id, p.famille) for p in drawn],
                             [(u, v) for u, v, _ in edges])

    fig = Figure(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 0.72, 1.0))
    ax.set_axis_off()
    if not drawn:
        ax.text(0.5, 0.5, "Aucun acteur à représenter", ha="center", va="center",
                transform=ax.transAxes, parse_math=False)
    by_type: dict[str, list] = defaultdict(list)
    for u, v, kind in edges:
        by_type[kind].append((positions[u], positions[v]))
    for kind, segments in by_type.items():
        style = interaction_style(kind)
        dash = (0, tuple(d / 2 for d in style.dashes)) if style.dashes else "solid"
        ax.add_collection(LineCollection(segments, colors=style.color, alpha=0.75,
                                         linewidths=style.width * 0.45, linestyles=[dash],
                                         zorder=1))
    if drawn:
        xs = [positions[p.id][0] for p in drawn]
        ys = [positions[p.id][1] for p in drawn]
        sizes = [(18 + 14 * math.sqrt(len(p.services))) if p.id in shown else 10 for p in drawn]
        fills = [color_of(p.famille, colors) if p.id in shown else "#d5d8dc" for p in drawn]
        edgecolors = ["#111111" if p.membre and p.id in shown else "#ffffff" for p in drawn]
        ax.scatter(xs, ys, s=sizes, c=fills, edgecolors=edgecolors, linewidths=0.6, zorder=2)
        labelled = {p.id for p in drawn if p.id in shown or len(drawn) <= 30}
        if len(labelled) <= 60:
            for p, x, y, size in zip(drawn, xs, ys, sizes, strict=True):
                if p.id not in labelled:
                    continue
                ax.annotate(_short(p.nom), (x, y), xytext=(math.sqrt(size) / 2 + 1.5, 0),
                            textcoords="offset points", fontsize=4.6 if p.id in shown else 3.8,
                            color="#222222" if p.id in shown else "#7b7f86", va="center",
                            ha="left", parse_math=False, zorder=3, annotation_clip=False)
        span_x = (max(xs) - min(xs)) or 1.0
        span_y = (max(ys) - min(ys)) or 1.0
        ax.set_xlim(min(xs) - 0.05 * span_x, max(xs) + 0.25 * span_x)
        ax.set_ylim(min(ys) - 0.08 * span_y, max(ys) + 0.08 * span_y)
    _legend(fig, [p for p in drawn if p.id in shown], {k for _, _, k in edges}, colors, refs,
            Line2D)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white",
                metadata={"Software": "spie-graph"})
    return out.getvalue()


def _legend(fig, drawn: Sequence[ActorProfile], kinds: set[str], colors: dict[str, str],
            refs: Referentials, line2d) -> None:
    counts = Counter(p.famille for p in drawn)
    order = [f for f in refs.familles if f in counts] + sorted(set(counts) - set(refs.familles))
    handles, labels = [], []
    if len(order) > 16:  # too many families: one entry per group, in the group's middle shade
        groups = Counter(p.groupe for p in drawn)
        for group in [g for g in refs.groupes if g in groups]:
            sample = next(p.famille for p in drawn if p.groupe == group)
            handles.append(line2d([], [], marker="o", ls="", color=color_of(sample, colors)))
            labels.append(f"{_short(refs.groupes[group], 40)} ({groups[group]})")
    else:
        for famille in order:
            label = refs.familles[famille].libelle if famille in refs.familles else famille
            handles.append(line2d([], [], marker="o", ls="", color=color_of(famille, colors)))
            labels.append(f"{_short(label, 42)} ({counts[famille]})")
    for kind in [k for k in refs.interactions if k in kinds] + sorted(
            kinds - set(refs.interactions)):
        style = interaction_style(kind)
        dash = (0, tuple(d / 2 for d in style.dashes)) if style.dashes else "solid"
        handles.append(line2d([], [], color=style.color, lw=style.width * 0.6, ls=dash))
        labels.append(_short(refs.interactions.get(kind, kind), 42))
    if handles:
        legend = fig.legend(handles, labels, loc="center left", bbox_to_anchor=(0.72, 0.5),
                            fontsize=4.6, frameon=False, handlelength=2.2, borderaxespad=0.2)
        for text in legend.get_texts():
            text.set_parse_math(False)
