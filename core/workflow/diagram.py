"""State diagrams of a workflow: Mermaid (``stateDiagram-v2``) and Graphviz DOT."""

from __future__ import annotations

import json

from mentorflow.workflow.model import Workflow


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


def to_mermaid(workflow: Workflow, locale: str | None = None) -> str:
    """A Mermaid state diagram; actions that keep the state are listed as notes."""
    def label(text: str) -> str:
        return text.replace(":", "﹕").replace("\n", " ").replace('"', "'")

    lines = ["stateDiagram-v2"]
    for state in workflow.states.values():
        lines.append(f'    state "{label(state.title(locale))}" as {state.id}')
    lines.append(f"    [*] --> {workflow.initial_state}")
    for source, target, text in _edges(workflow, locale):
        lines.append(f"    {source} --> {target}: {label(text)}")
    for state in workflow.states.values():
        if state.is_terminal:
            lines.append(f"    {state.id} --> [*]")
        actions = _actions(workflow, state.id, locale)
        if actions:
            lines.append(f"    note right of {state.id}: {label(', '.join(actions))}")
    return "\n".join(lines) + "\n"


def to_dot(workflow: Workflow, locale: str | None = None) -> str:
    """A Graphviz DOT digraph (render with ``dot -Tsvg``)."""
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    shapes = {"initial": "box", "active": "box", "paused": "box", "terminal": "doubleoctagon"}
    lines = [f"digraph {q(workflow.id)} {{", "  rankdir=LR;", '  node [fontname="Helvetica", style=rounded];',
             '  edge [fontname="Helvetica", fontsize=10];', '  __start [shape=point, label=""];']
    for state in workflow.states.values():
        actions = _actions(workflow, state.id, locale)
        text = state.title(locale) + ("\n" + "\n".join(f"• {a}" for a in actions) if actions else "")
        style = ', style="rounded,dashed"' if state.kind == "paused" else ""
        lines.append(f"  {state.id} [shape={shapes[state.kind]}, label={q(text)}{style}];")
    lines.append(f"  __start -> {workflow.initial_state};")
    for source, target, text in _edges(workflow, locale):
        lines.append(f"  {source} -> {target} [label={q(text)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
