"""The graph for people: DOT text (for Graphviz users) and a PNG drawn with matplotlib (no system Graphviz here).

Nodes sit in one row per group (modality), coloured by group; an edge's width and opacity grow with its resampling
frequency; arrows mark directed edges, plain lines undirected ones, double arrows bidirected ones.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Patch  # noqa: E402

from personax_platform.causal_graph.nodes import GraphNode  # noqa: E402

PALETTE = ("#4c78a8", "#e45756", "#54a24b", "#b279a2", "#f58518", "#9d755d")
ARROWS = {"directed": "-|>", "undirected": "-", "bidirected": "<|-|>"}
DOT_DIR = {"directed": "forward", "undirected": "none", "bidirected": "both"}


def group_colours(nodes: list[GraphNode]) -> dict[str, str]:
    groups = list(dict.fromkeys(node.group for node in nodes))
    return {group: PALETTE[i % len(PALETTE)] for i, group in enumerate(groups)}


def to_dot(edges: pd.DataFrame, nodes: list[GraphNode], name: str) -> str:
    """`edges` has from_node, to_node, type and frequency (share of resamples; NaN when none was run)."""
    colours = group_colours(nodes)
    lines = [f'digraph "{name}" {{', "  rankdir=TB;", '  node [shape=ellipse, style=filled, fontname="Helvetica"];']
    for group, colour in colours.items():
        lines.append(f'  subgraph "cluster_{group}" {{ label="{group}"; color="{colour}";')
        lines += [f'    "{n.name}" [fillcolor="{colour}55"];' for n in nodes if n.group == group]
        lines.append("  }")
    for edge in edges.itertuples(index=False):
        label = "" if pd.isna(edge.frequency) else f', label="{edge.frequency:.2f}"'
        lines.append(f'  "{edge.from_node}" -> "{edge.to_node}" [dir={DOT_DIR[edge.type]}{label}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_png(edges: pd.DataFrame, nodes: list[GraphNode], title: str) -> bytes:
    colours = group_colours(nodes)
    rows = list(colours)
    width = max(sum(1 for n in nodes if n.group == g) for g in rows)
    position = {}
    for r, group in enumerate(rows):
        members = [n for n in nodes if n.group == group]
        for i, node in enumerate(members):
            position[node.name] = ((i + 0.5) * width / len(members), -1.6 * r - 0.45 * (i % 2))
    fig, ax = plt.subplots(figsize=(max(7.0, 1.15 * width), 2.2 * len(rows) + 1))
    for edge in edges.itertuples(index=False):
        strength = 1.0 if pd.isna(edge.frequency) else float(edge.frequency)
        ax.add_patch(FancyArrowPatch(
            position[edge.from_node], position[edge.to_node], arrowstyle=ARROWS[edge.type], mutation_scale=12,
            connectionstyle="arc3,rad=0.12", lw=0.6 + 2.4 * strength, alpha=0.25 + 0.75 * strength,
            color="#333333", shrinkA=14, shrinkB=14, zorder=1))
    for node in nodes:
        x, y = position[node.name]
        ax.text(x, y, node.name.replace("_", " "), ha="center", va="center", fontsize=7, zorder=2,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": colours[node.group], "alpha": 0.35,
                      "edgecolor": colours[node.group]})
    ax.legend(handles=[Patch(color=c, alpha=0.5, label=g) for g, c in colours.items()], loc="upper right",
              fontsize=7, title="width = resampling frequency", title_fontsize=7)
    ax.set_xlim(-0.3, width + 0.3)
    ax.set_ylim(-1.6 * len(rows) - 0.3, 0.8)
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
