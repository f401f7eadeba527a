"""Your circle: a member's trust neighbourhood drawn as a picture, on the server.

The member in the middle, the people they vouched for or who vouched for them around
them, and those people's own connections on an outer ring; each vouch a line whose width
shows its strength and whose arrow shows who vouched for whom. networkx lays it out; the
SVG needs no script and scales to a phone's width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
from django.utils.html import escape
from django.utils.translation import gettext as _

from vouching import selectors as vouching_selectors
from vouching.models import Member

# Enough people to see the shape of a circle, few enough to read the names on a phone.
INNER_LIMIT = 14
TOTAL_LIMIT = 36
SIZE = 600
STROKE = {1: 1.2, 2: 2.4, 3: 3.8}


@dataclass(frozen=True)
class Drawing:
    svg: str
    people: list[Member]
    inner: int
    outer: int


def neighbourhood_graph(member: Member) -> nx.DiGraph:
    """Vouches (voucher → vouchee, with strength) among the member's two-link circle,
    without anyone blocked either way or hidden by moderation."""
    trust = vouching_selectors.trust_neighbourhood(member=member)
    links = trust.links([member.pk])[member.pk]
    hidden = trust.hidden | trust.blocked
    inner = sorted(
        (link for link in links if link.other not in hidden),
        key=lambda link: (-link.strength, link.other),
    )[:INNER_LIMIT]
    graph = nx.DiGraph()
    graph.add_node(member.pk, ring=0)
    inner_ids = [link.other for link in inner]
    for node in inner_ids:
        graph.add_node(node, ring=1)
    around = trust.links(inner_ids)
    outer_votes: dict[int, int] = {}
    for node in inner_ids:
        for link in around.get(node, ()):
            if link.other != member.pk and link.other not in inner_ids and link.other not in hidden:
                outer_votes[link.other] = outer_votes.get(link.other, 0) + link.strength
    room = TOTAL_LIMIT - 1 - len(inner_ids)
    outer_ids = [n for n, _v in sorted(outer_votes.items(), key=lambda kv: (-kv[1], kv[0]))[:room]]
    for node in outer_ids:
        graph.add_node(node, ring=2)
    for owner, found in [(member.pk, links), *((n, around.get(n, ())) for n in inner_ids)]:
        for link in found:
            if link.other in graph:
                voucher, vouchee = (owner, link.other) if link.outgoing else (link.other, owner)
                graph.add_edge(voucher, vouchee, strength=link.strength)
    return graph


def draw(*, member: Member) -> Drawing:
    graph = neighbourhood_graph(member)
    people = Member.objects.visible().in_bulk(list(graph.nodes))
    people[member.pk] = member  # in the middle of their own circle, whatever their standing
    graph.remove_nodes_from([n for n in list(graph.nodes) if n not in people])
    rings = [[n for n, r in graph.nodes(data="ring") if r == ring] for ring in (0, 1, 2)]
    shells = [ring for ring in rings if ring]
    position = nx.shell_layout(graph, nlist=shells, scale=SIZE * 0.40, center=(SIZE / 2, SIZE / 2))
    if len(shells) == 1:
        position = {member.pk: (SIZE / 2, SIZE / 2)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        'role="img" class="circle-svg" aria-labelledby="circle-title">',
        f'<title id="circle-title">{escape(_("Your circle"))}</title>',
        "<defs>",
        *(
            f'<marker id="arrow{s}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="{4 + s}" '
            f'markerHeight="{4 + s}" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
            'fill="#7a7f8c"/></marker>'
            for s in (1, 2, 3)
        ),
        "</defs>",
    ]
    radius = {0: 24, 1: 16, 2: 11}
    for voucher, vouchee, strength in graph.edges(data="strength"):
        (x1, y1), (x2, y2) = position[voucher], position[vouchee]
        gap = radius[graph.nodes[vouchee]["ring"]] + 2
        length = math.hypot(x2 - x1, y2 - y1) or 1
        x2, y2 = x2 - (x2 - x1) * gap / length, y2 - (y2 - y1) * gap / length
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="#7a7f8c" stroke-opacity="0.7" stroke-width="{STROKE[strength]}" '
            f'marker-end="url(#arrow{strength})"/>'
        )
    for node, ring in graph.nodes(data="ring"):
        x, y = position[node]
        person = people[node]
        name = person.display_name
        label = escape(name if len(name) <= 14 else name[:13] + "…")
        fill = {0: "#b33a52", 1: "#2f7d4f", 2: "#3a5fb3"}[ring]
        parts.append(
            f'<a href="{escape(person.get_absolute_url())}"><title>{escape(name)}</title>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius[ring]}" fill="{fill}"/>'
            f'<text x="{x:.1f}" y="{y + radius[ring] + 14:.1f}" text-anchor="middle" '
            f'font-size="{15 if ring < 2 else 12}" fill="#1f2430">{label}</text></a>'
        )
    parts.append("</svg>")
    ordered = [people[n] for ring in rings for n in ring]
    return Drawing(svg="".join(parts), people=ordered, inner=len(rings[1]), outer=len(rings[2]))
