"""State diagrams of a workflow: Mermaid (``stateDiagram-v2``), Graphviz DOT, and SVG or PNG images."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from mentorflow.errors import UserError
from mentorflow.i18n import _
from mentorflow.workflow.model import Workflow

IMAGE_FORMATS = ("svg", "png")

# Words Mermaid's state-diagram grammar reads as keywords, so they cannot be bare state ids.
_MERMAID_KEYWORDS = frozenset({
    "as", "class", "classdef", "choice", "click", "default", "direction", "end", "fork", "hide", "join", "left",
    "note", "of", "over", "right", "scale", "state", "statediagram", "statediagram-v2", "style",
})


def _entries_into(workflow: Workflow, state: str) -> set[str]:
    return {s for t in workflow.transitions.values() if t.target == state for s in t.sources}


def _edges(workflow: Workflow, locale: str | None) -> list[tuple[str, str, str]]:
    edges = []
    for t in workflow.transitions.values():
        for source in sorted(t.sources):
            if t.history:
                for back in sorted(_entries_into(workflow, source)):
                    edges.append((source, back, t.title(locale)))
            elif t.target is not None:
                edges.append((source, t.target, t.title(locale)))
    return edges


def _actions(workflow: Workflow, state: str, locale: str | None) -> list[str]:
    return [t.title(locale) for t in workflow.transitions.values() if t.is_action and state in t.sources]


def mermaid_ids(workflow: Workflow) -> dict[str, str]:
    """The id each state has in Mermaid text: its own id when Mermaid can read it, else a safe, unique variant.

    Workflow ids may contain ``-``, which Mermaid reads as part of an arrow,
    and may be Mermaid keywords (``state``, ``note``); the displayed label is
    the state's title either way.
    """
    taken = set(workflow.states)
    ids: dict[str, str] = {}
    for sid in workflow.states:
        if re.fullmatch(r"[a-z][a-z0-9_]*", sid) and sid not in _MERMAID_KEYWORDS:
            ids[sid] = sid
            continue
        base = "state_" + re.sub(r"[^a-z0-9_]", "_", sid)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        ids[sid] = candidate
    return ids


def to_mermaid(workflow: Workflow, locale: str | None = None) -> str:
    """A Mermaid state diagram; actions that keep the state are listed as notes."""
    def label(text: str) -> str:
        return text.replace(":", "﹕").replace("\n", " ").replace('"', "'")

    ids = mermaid_ids(workflow)
    lines = ["stateDiagram-v2"]
    for state in workflow.states.values():
        lines.append(f'    state "{label(state.title(locale))}" as {ids[state.id]}')
    lines.append(f"    [*] --> {ids[workflow.initial_state]}")
    for source, target, text in _edges(workflow, locale):
        lines.append(f"    {ids[source]} --> {ids[target]}: {label(text)}")
    for state in workflow.states.values():
        if state.is_terminal:
            lines.append(f"    {ids[state.id]} --> [*]")
        actions = _actions(workflow, state.id, locale)
        if actions:
            lines.append(f"    note right of {ids[state.id]}: {label(', '.join(actions))}")
    return "\n".join(lines) + "\n"


def to_dot(workflow: Workflow, locale: str | None = None) -> str:
    """A Graphviz DOT digraph (render with ``dot -Tsvg``).

    Every id is quoted: workflow ids may contain ``-`` or be DOT keywords
    (``node``, ``edge``, ``graph``), neither of which DOT accepts bare.
    """
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    shapes = {"initial": "box", "active": "box", "paused": "box", "terminal": "doubleoctagon"}
    lines = [f"digraph {q(workflow.id)} {{", "  rankdir=LR;", '  node [fontname="Helvetica", style=rounded];',
             '  edge [fontname="Helvetica", fontsize=10];', '  __start [shape=point, label=""];']
    for state in workflow.states.values():
        actions = _actions(workflow, state.id, locale)
        text = state.title(locale) + ("\n" + "\n".join(f"• {a}" for a in actions) if actions else "")
        style = ', style="rounded,dashed"' if state.kind == "paused" else ""
        lines.append(f"  {q(state.id)} [shape={shapes[state.kind]}, label={q(text)}{style}];")
    lines.append(f"  __start -> {q(workflow.initial_state)};")
    for source, target, text in _edges(workflow, locale):
        lines.append(f"  {q(source)} -> {q(target)} [label={q(text)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_image(workflow: Workflow, image_format: str, locale: str | None = None) -> bytes:
    """The diagram as an SVG or PNG image, drawn by Graphviz's ``dot`` program from :func:`to_dot`.

    Raises :class:`UserError` when Graphviz is not installed or cannot draw it.
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {IMAGE_FORMATS}, not {image_format!r}")
    dot = shutil.which("dot")
    if dot is None:
        raise UserError(_("Drawing an image needs Graphviz, and its 'dot' program is not on the PATH. Install "
                          "Graphviz (Debian and Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
                          "or print the diagram as text with --format mermaid or --format dot."))
    try:
        done = subprocess.run([dot, f"-T{image_format}"], input=to_dot(workflow, locale).encode("utf-8"),
                              capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(_("Graphviz could not draw the diagram: {error}").format(error=error)) from None
    if done.returncode != 0 or not done.stdout:
        raise UserError(_("Graphviz could not draw the diagram: {error}").format(
            error=done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"))
    return done.stdout
