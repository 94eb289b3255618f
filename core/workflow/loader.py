"""Loading a workflow document: JSON Schema validation plus the semantic checks a schema cannot express.

Every problem is collected and reported at once, each with its JSON
pointer and a plain sentence, as :class:`~mentorflow.errors.WorkflowInvalid`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from mentorflow.choices import ANNOTATION, ChoicesSpec, choice_fields
from mentorflow.durations import format_duration, parse_duration
from mentorflow.effects import EffectSpec
from mentorflow.errors import Problem, UserError, WorkflowInvalid
from mentorflow.guards import GuardSpec
from mentorflow.i18n import _, supported_locales
from mentorflow.members import format_of, format_problems
from mentorflow.patterns import SafeValidator, format_checker
from mentorflow.schemas import SCHEMA_NAMES, load_schema
from mentorflow.text import text_problems
from mentorflow.validation import (
    MAX_DOCUMENT_BYTES,
    did_you_mean,
    pointer,
    schema_problems,
    size_problems,
    split_pointer,
)
from mentorflow.workflow.cost import cost_problems
from mentorflow.workflow.model import (
    INITIAL,
    RESERVED_TRANSITION_IDS,
    TERMINAL,
    Form,
    GuardCall,
    State,
    Timer,
    Transition,
    Workflow,
)

HISTORY = "@history"
MIN_RECURRING_PERIOD = timedelta(hours=1)
"""The shortest period of a recurring timer (the shipped templates use P7D to P90D)."""
FORM_BASE_URI = "urn:mentorflow:form"
"""The base URI a form's schema is resolved against: it can only refer into itself."""
# JSON Schema 2020-12 keywords whose values are schemas, lists of schemas, or maps of names to schemas.
_SUBSCHEMA = frozenset({"additionalProperties", "contains", "contentSchema", "else", "if", "items", "not",
                        "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties"})
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"})
# Keywords whose subschemas apply to the same data as the schema holding them (a cycle through these never ends).
_IN_PLACE = frozenset({"not", "if", "then", "else"})
_IN_PLACE_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
PluginChecks = Callable[[Workflow, dict[str, Any]], Iterable[Problem]]


def workflow_validator() -> Draft202012Validator:
    """The workflow schema's validator, for the languages mentorflow speaks now."""
    return _workflow_validator(supported_locales())


@cache
def _workflow_validator(_locales: tuple[str, ...]) -> Draft202012Validator:
    # ``_locales`` is the cache key: the schemas' label objects are made from it (mentorflow.schemas.load_schema).
    resources = [(load_schema(n)["$id"], DRAFT202012.create_resource(load_schema(n))) for n in SCHEMA_NAMES]
    return Draft202012Validator(load_schema("workflow"), registry=Registry().with_resources(resources))


@cache
def metaschema_validator() -> Draft202012Validator:
    """Checks that a form's schema is a JSON Schema (2020-12), including that its regexes compile."""
    return Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def form_validator(schema: Mapping[str, Any]) -> Validator:
    # An empty registry: a form can never pull a schema from the network or disk; patterns run on RE2.
    return SafeValidator(schema, registry=Registry(), format_checker=format_checker())


def canonical_digest(document: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a document (key order and spacing do not matter)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_document(text: str | bytes, source: str = "") -> Any:
    """Parse JSON text into a document, with a located error for bad syntax or size.

    Any JSON value comes back (a list, a number): whether it is a workflow is the schema check's to say.
    """
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_DOCUMENT_BYTES:
        raise WorkflowInvalid(_("The document is too large."), [
            Problem("", _("is larger than {n} bytes").format(n=MAX_DOCUMENT_BYTES), source)])
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise WorkflowInvalid(_("The document is not valid JSON."), [Problem(
            "", _("line {line}, column {col}: {msg}").format(line=error.lineno, col=error.colno, msg=error.msg),
            source)]) from None
    except _NotJSON as error:
        raise WorkflowInvalid(_("The document is not valid JSON."), [
            Problem("", _("{name} is not allowed in JSON").format(name=error), source)]) from None
    except UnicodeDecodeError as error:
        raise WorkflowInvalid(_("The document is not valid JSON."), [
            Problem("", _("is not UTF-8 text: {error}").format(error=error), source)]) from None
    except RecursionError:
        raise WorkflowInvalid(_("The document is not valid JSON."), [
            Problem("", _("is nested too deeply"), source)]) from None
    return document


class _NotJSON(ValueError):
    """NaN and Infinity: Python's json module reads them, but they are not JSON."""


def _reject_constant(name: str) -> Any:
    raise _NotJSON(name)


def load_workflow_file(path: str | Path, loader: WorkflowLoader) -> Workflow:
    """Read, parse and validate a workflow file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UserError(_("Cannot read {path}: {error}").format(path=path, error=error.strerror)) from None
    return loader.load(parse_document(raw, str(path)), str(path))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class WorkflowLoader:
    """Validates and compiles workflow documents against the guards plugins registered."""

    def __init__(self, guards: Mapping[str, GuardSpec] | None = None,
                 plugin_checks: PluginChecks | None = None,
                 effects: Mapping[str, EffectSpec] | None = None,
                 choices: Mapping[str, ChoicesSpec] | None = None) -> None:
        self.guards = dict(guards or {})
        self.effects = dict(effects or {})
        self.choices = dict(choices or {})
        self.plugin_checks = plugin_checks
        self._validators = {
            ("guard", name): Draft202012Validator(spec.params_schema, registry=Registry())
            for name, spec in self.guards.items()
        } | {
            ("effect", name): Draft202012Validator(spec.params_schema, registry=Registry())
            for name, spec in self.effects.items()
        }

    # -- public ---------------------------------------------------------
    def check(self, document: Any, source: str = "") -> list[Problem]:
        """All problems of ``document`` (empty when it is valid)."""
        try:
            self.load(document, source)
        except WorkflowInvalid as invalid:
            return invalid.problems
        return []

    def load(self, document: Any, source: str = "", *, stored: bool = False) -> Workflow:
        """Validate ``document`` and compile it; raises :class:`WorkflowInvalid` listing every problem.

        ``stored`` is for a version the engine published before reserved
        transition ids were refused: it still loads (the audit log tells the
        engine's own events apart by a flag, not by name); every new document
        is refused one.
        """
        # Size first, then the text and the cost bounds: a hostile document is refused before any of it is checked.
        problems = (list(size_problems(document, source)) or text_problems(document, source=source)
                    or cost_problems(document, source))
        if problems:
            raise WorkflowInvalid(_("The workflow is not valid."), problems)
        problems = schema_problems(workflow_validator(), document, source)
        if not isinstance(document, dict):
            raise WorkflowInvalid(_("The workflow is not valid."), problems)
        # Semantic checks read the document defensively, so they run (and
        # report) even when the schema already found problems elsewhere.
        problems += self._semantic_problems(document, source)
        problems += format_problems(document, source)
        if not stored:
            problems += reserved_id_problems(document, source)
        if problems:
            raise WorkflowInvalid(_("The workflow is not valid."), problems)
        # The compiled workflow must not change when the caller later edits its dict.
        document = copy.deepcopy(document)
        workflow = self._compile(document)
        if self.plugin_checks is not None:
            extra = [p if p.source else Problem(p.pointer, p.message, source)
                     for p in self.plugin_checks(workflow, document)]
            if extra:
                raise WorkflowInvalid(_("The workflow is not valid."), extra)
        return workflow

    # -- semantic checks -------------------------------------------------
    def _semantic_problems(self, doc: dict[str, Any], source: str) -> list[Problem]:
        out: list[Problem] = []

        def problem(path: list[Any], message: str) -> None:
            out.append(Problem(pointer(path), message, source))

        # When "states" (or "transitions") is missing or not a list the schema says so once;
        # saying "state 'x' does not exist" at every reference as well would only bury that.
        check_states = isinstance(doc.get("states"), list)
        check_transitions = isinstance(doc.get("transitions"), list)
        states = _as_list(doc.get("states"))
        transitions = _as_list(doc.get("transitions"))
        forms = _as_dict(doc.get("forms"))
        state_ids: dict[str, int] = {}
        kinds: dict[str, str] = {}
        for i, state in enumerate(states):
            sid = _as_dict(state).get("id")
            if not isinstance(sid, str):
                continue
            if sid in state_ids:
                problem(["states", i, "id"], _("state '{id}' is defined twice (first at /states/{first})").format(
                    id=sid, first=state_ids[sid]))
            else:
                state_ids[sid] = i
                kinds[sid] = str(_as_dict(state).get("kind"))
        initial = [sid for sid, kind in kinds.items() if kind == INITIAL]
        if states and len(initial) != 1:
            problem(["states"], _("exactly one state must have kind 'initial'; found {n}").format(n=len(initial)))
        if states and TERMINAL not in kinds.values():
            problem(["states"], _("at least one state must have kind 'terminal'"))

        non_terminal = [sid for sid, kind in kinds.items() if kind != TERMINAL]
        edges: dict[str, set[str]] = {sid: set() for sid in state_ids}
        transition_ids: dict[str, int] = {}
        history_sources: list[list[str]] = []
        entered_from: dict[str, set[str]] = {}
        for i, tr in enumerate(transitions):
            tr = _as_dict(tr)
            tid = tr.get("id")
            if isinstance(tid, str):
                if tid in transition_ids:
                    problem(["transitions", i, "id"],
                            _("transition '{id}' is defined twice (first at /transitions/{first})").format(
                                id=tid, first=transition_ids[tid]))
                else:
                    transition_ids[tid] = i
            sources = self._sources(tr.get("from"), non_terminal)
            from_value = tr.get("from")
            if check_states and isinstance(from_value, list | str):
                from_list = from_value if isinstance(from_value, list) else [from_value]
                for j, sid in enumerate(from_list):
                    if sid != "*" and isinstance(sid, str) and sid not in state_ids:
                        path = ["transitions", i, "from", j] if isinstance(from_value, list) else [
                            "transitions", i, "from"]
                        problem(path, did_you_mean(_("state '{id}' does not exist").format(id=sid), sid, state_ids))
            target = tr.get("to")
            if target == HISTORY:
                history_sources.append(sources)
            elif check_states and isinstance(target, str) and target not in state_ids:
                problem(["transitions", i, "to"], did_you_mean(_("state '{id}' does not exist").format(id=target),
                                                               target, [*state_ids, HISTORY]))
            for sid in sources:
                if sid in edges and isinstance(target, str) and target in state_ids:
                    edges[sid].add(target)
                    entered_from.setdefault(target, set()).add(sid)
            form = tr.get("form")
            if isinstance(form, str) and form not in forms:
                problem(["transitions", i, "form"], did_you_mean(
                    _("form '{name}' is not defined under /forms").format(name=form), form, forms))
            for g, call in enumerate(_as_list(tr.get("guards"))):
                self._check_named("guard", self.guards, call, ["transitions", i, "guards", g], problem)
            for e, call in enumerate(_as_list(tr.get("effects"))):
                self._check_named("effect", self.effects, call, ["transitions", i, "effects", e], problem)

        # "@history" can lead back to any state the source state is entered from.
        for sources in history_sources:
            for sid in sources:
                if sid in edges:
                    edges[sid] |= entered_from.get(sid, set())

        for name, form in forms.items():
            schema = _as_dict(form).get("schema")
            if isinstance(schema, dict):
                self._check_form_schema(schema, ["forms", name, "schema"], problem)
            self._check_choices_from(_as_dict(_as_dict(form).get("fields")), ["forms", name, "fields"], problem)

        timers = _as_list(doc.get("timers"))
        timer_ids: dict[str, int] = {}
        for i, timer in enumerate(timers):
            timer = _as_dict(timer)
            self._check_timer(timer, i, state_ids if check_states else None,
                              transitions if check_transitions else None, transition_ids, non_terminal, problem)
            tid = timer.get("id")
            if isinstance(tid, str):
                if tid in timer_ids:
                    problem(["timers", i, "id"], _("timer '{id}' is defined twice").format(id=tid))
                else:
                    timer_ids[tid] = i

        if not check_transitions:
            return out  # without transitions, every state would be reported unreachable and a trap
        if len(initial) == 1:
            reachable = self._reachable(initial[0], edges)
            for sid, index in state_ids.items():
                if sid not in reachable:
                    problem(["states", index, "id"],
                            _("state '{id}' cannot be reached from the initial state '{initial}'").format(
                                id=sid, initial=initial[0]))
        terminals = {sid for sid, kind in kinds.items() if kind == TERMINAL}
        if terminals:
            for sid, index in state_ids.items():
                if sid not in terminals and not (self._reachable(sid, edges) & terminals):
                    problem(["states", index, "id"],
                            _("no terminal state can be reached from state '{id}': a relationship there "
                              "could never end").format(id=sid))
        return out

    @staticmethod
    def _sources(value: Any, non_terminal: list[str]) -> list[str]:
        if value == "*":
            return list(non_terminal)
        if isinstance(value, str):
            return [value]
        return [v for v in _as_list(value) if isinstance(v, str)]

    @staticmethod
    def _reachable(start: str, edges: Mapping[str, set[str]]) -> set[str]:
        seen = {start}
        queue = deque([start])
        while queue:
            for nxt in edges.get(queue.popleft(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def _check_named(self, kind: str, registry: Mapping[str, Any], call: Any, path: list[Any],
                     problem: Callable[..., None]) -> None:
        """A guard or effect call: the name must be registered and the params fit its schema."""
        if not isinstance(call, dict):
            return  # the schema reports it
        name = call.get("name")
        if not isinstance(name, str):
            return
        if name not in registry:
            known = ", ".join(sorted(registry)) or _("none")
            message = (_("no loaded plugin registers a guard called '{name}' (known: {known})") if kind == "guard"
                       else _("no loaded plugin registers an effect called '{name}' (known: {known})"))
            problem([*path, "name"], did_you_mean(message.format(name=name, known=known), name, registry))
            return
        if "params" in call and not isinstance(call["params"], dict):
            return  # the schema reports that params must be an object
        params = call.get("params", {})
        for p in schema_problems(self._validators[(kind, name)], params):
            # Without "params" at all, point at where it is missing rather than into it.
            at = [*path, "params", *split_pointer(p.pointer)] if "params" in call else [*path, "params"]
            template = _("guard '{name}': {message}") if kind == "guard" else _("effect '{name}': {message}")
            problem(at, template.format(name=name, message=p.message))

    def _check_choices_from(self, fields: dict[str, Any], path: list[Any], problem: Callable[..., None]) -> None:
        """Every ``choices_from`` of a form's fields (and of their items' properties) names a registered provider."""
        known = ", ".join(sorted(self.choices)) or _("none")
        for name, meta in fields.items():
            meta = _as_dict(meta)
            located = [([*path, name], meta)]
            located += [([*path, name, "items", prop], _as_dict(sub))
                        for prop, sub in _as_dict(meta.get("items")).items()]
            for at, spec in located:
                provider = spec.get(ANNOTATION)
                if isinstance(provider, str) and provider not in self.choices:
                    problem([*at, ANNOTATION], did_you_mean(
                        _("no loaded plugin offers choices called '{name}' (known: {known})").format(
                            name=provider, known=known), provider, self.choices))

    @staticmethod
    def _check_form_schema(schema: dict[str, Any], path: list[Any], problem: Callable[..., None]) -> None:
        """A form's schema must be a valid JSON Schema that refers only into itself, to something that exists,
        and never back to itself without descending into the data (checking a form would never end)."""
        invalid = schema_problems(metaschema_validator(), schema)
        for p in invalid:
            problem([*path, *split_pointer(p.pointer)], _("is not a valid JSON Schema: {error}").format(
                error=p.message))
        refs: list[tuple[str, str, list[Any]]] = []  # (ref, location of its schema, pointer path of the keyword)
        anchors: dict[str, str] = {}
        in_place: dict[str, list[str]] = {}  # subschemas applied to the same data as the schema at a location
        has_id = False
        stack: list[tuple[Any, list[Any]]] = [(schema, [])]
        while stack:
            node, rel = stack.pop()
            at, loc = [*path, *rel], pointer(rel)
            if isinstance(node, list):
                stack.extend((v, [*rel, i]) for i, v in enumerate(node))
                continue
            if not isinstance(node, dict):
                continue
            for keyword in ("$ref", "$dynamicRef"):
                ref = node.get(keyword)
                if isinstance(ref, str) and not ref.startswith("#"):
                    problem([*at, keyword], _("only local references ('#/...') are allowed in forms, not {ref}").format(
                        ref=ref))
                elif isinstance(ref, str):
                    refs.append((ref, loc, [*at, keyword]))
            for keyword in ("$anchor", "$dynamicAnchor"):
                if isinstance(node.get(keyword), str):
                    anchors.setdefault(node[keyword], loc)
            if "$id" in node:
                has_id = True
                problem([*at, "$id"], _("'$id' is not allowed in a form: a form's schema is part of its workflow "
                                        "and can only refer to itself"))
            for key, value in node.items():
                if key in _SUBSCHEMA or key in _SUBSCHEMA_LISTS:
                    stack.append((value, [*rel, key]))
                elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
                    stack.extend((sub, [*rel, key, name]) for name, sub in value.items())
                if key in _IN_PLACE and isinstance(value, dict | bool):
                    in_place.setdefault(loc, []).append(pointer([*rel, key]))
                elif key in _IN_PLACE_LISTS and isinstance(value, list):
                    in_place.setdefault(loc, []).extend(pointer([*rel, key, i]) for i in range(len(value)))
                elif key == "dependentSchemas" and isinstance(value, dict):
                    in_place.setdefault(loc, []).extend(pointer([*rel, key, name]) for name in value)
        if invalid or has_id or not refs:
            return
        resolver = Registry().with_resource(FORM_BASE_URI, DRAFT202012.create_resource(schema)).crawl().resolver(
            FORM_BASE_URI)
        ref_edges: list[tuple[str, str, list[Any], str]] = []
        for ref, loc, at in refs:
            try:
                target = resolver.lookup(ref).contents
            except Unresolvable:
                problem(at, _("{ref} does not lead to anything in this form's schema").format(ref=ref))
                continue
            if not isinstance(target, dict | bool):
                problem(at, _("{ref} does not lead to a schema").format(ref=ref))
                continue
            fragment = unquote(ref[1:])
            target_loc = fragment if fragment.startswith("/") or not fragment else anchors.get(fragment)
            if target_loc is not None:
                in_place.setdefault(loc, []).append(target_loc)
                ref_edges.append((loc, target_loc, at, ref))
        component = _strongly_connected(in_place)
        for loc, target_loc, at, ref in ref_edges:
            if loc == target_loc or component.get(loc) == component.get(target_loc, object()):
                problem(at, _("{ref} leads back to where it is used without going deeper into the data, so "
                              "checking the form would never end").format(ref=ref))

    @staticmethod
    def _check_timer(timer: dict[str, Any], i: int, state_ids: Mapping[str, int] | None,
                     transitions: list[Any] | None, transition_ids: Mapping[str, int], non_terminal: list[str],
                     problem: Callable[..., None]) -> None:
        """References of a timer; ``None`` for states or transitions when the document has no list of them."""
        every = timer.get("every")
        if timer.get("kind") == "recurring" and isinstance(every, str):
            try:
                period = parse_duration(every)
            except ValueError:
                period = None  # the schema reports the form of the duration
            if period is not None and period < MIN_RECURRING_PERIOD:
                # A PT1S cadence would ask the reminder scan for a duty every second, for every relationship.
                problem(["timers", i, "every"], _(
                    "a recurring timer may not repeat more often than every {period} (found {value})").format(
                    period=format_duration(MIN_RECURRING_PERIOD), value=every))
        if state_ids is not None:
            for j, sid in enumerate(_as_list(timer.get("states"))):
                if isinstance(sid, str) and sid not in state_ids:
                    problem(["timers", i, "states", j], did_you_mean(_("state '{id}' does not exist").format(id=sid),
                                                                     sid, state_ids))
        if transitions is None:
            return
        for j, tid in enumerate(_as_list(timer.get("satisfied_by"))):
            if isinstance(tid, str) and tid not in transition_ids:
                problem(["timers", i, "satisfied_by", j], did_you_mean(
                    _("transition '{id}' does not exist").format(id=tid), tid, transition_ids))
        fire = timer.get("fire")
        if not isinstance(fire, str) or timer.get("kind") == "recurring":
            return  # a recurring timer must not have "fire" at all; the schema says so
        if fire not in transition_ids:
            problem(["timers", i, "fire"], did_you_mean(_("transition '{id}' does not exist").format(id=fire), fire,
                                                        transition_ids))
            return
        tr = _as_dict(transitions[transition_ids[fire]])
        if "system" not in _as_list(tr.get("roles")):
            problem(["timers", i, "fire"], _("transition '{id}' must list the role 'system' so the timer "
                                             "may fire it").format(id=fire))
        if not isinstance(tr.get("from"), str | list):
            return
        sources = WorkflowLoader._sources(tr.get("from"), non_terminal)
        for sid in _as_list(timer.get("states")):
            if isinstance(sid, str) and sid not in sources:
                problem(["timers", i, "fire"],
                        _("transition '{id}' cannot be fired from state '{state}' where the timer "
                          "runs").format(id=fire, state=sid))

    # -- compilation ------------------------------------------------------
    def _compile(self, doc: dict[str, Any]) -> Workflow:
        states = {s["id"]: State(s["id"], s["kind"], s["label"]) for s in doc["states"]}
        non_terminal = [sid for sid, s in states.items() if not s.is_terminal]
        transitions: dict[str, Transition] = {}
        for tr in doc["transitions"]:
            transitions[tr["id"]] = Transition(
                id=tr["id"],
                sources=frozenset(self._sources(tr["from"], non_terminal)),
                target=None if tr.get("to") == HISTORY else tr.get("to"),
                history=tr.get("to") == HISTORY,
                roles=frozenset(tr["roles"]),
                guards=tuple(GuardCall(g["name"], g.get("params", {})) for g in tr.get("guards", ())),
                effects=tuple(GuardCall(e["name"], e.get("params", {})) for e in tr.get("effects", ())),
                form=tr.get("form"),
                label=tr["label"],
            )
        forms = {
            name: Form(name=name, title=f["title"], schema=f["schema"], validator=form_validator(f["schema"]),
                       fields=f.get("fields", {}), private=bool(f.get("private", False)),
                       choice_fields=choice_fields(f.get("fields", {})), shared_with=f.get("shared_with", "mentor"))
            for name, f in doc.get("forms", {}).items()
        }
        # A duty owed by "each member" by default: the pair's mentor and mentee, a circle's peers and facilitator.
        owed_by = format_of(doc["programme"]).member_roles
        timers = tuple(
            Timer(
                id=t["id"], kind=t["kind"], states=frozenset(t["states"]),
                every=parse_duration(t["every"]) if "every" in t else None,
                after=parse_duration(t["after"]) if "after" in t else None,
                anchor=t.get("anchor", "state_entered"),
                satisfied_by=frozenset(t.get("satisfied_by", ())),
                who=tuple(t.get("who", owed_by)),
                remind=tuple(parse_duration(r) for r in t.get("remind", ())),
                escalate_after=parse_duration(t["escalate_after"]) if "escalate_after" in t else None,
                fire=t.get("fire"), label=t.get("label", {}),
            )
            for t in doc.get("timers", ())
        )
        transitions_from: dict[str, list[Transition]] = {sid: [] for sid in states}
        for tr in transitions.values():
            for sid in tr.sources:
                transitions_from[sid].append(tr)
        initial = next(sid for sid, s in states.items() if s.kind == INITIAL)
        return Workflow(
            id=doc["id"], programme=doc["programme"], states=states, transitions=transitions, forms=forms,
            timers=timers, document=doc, digest=canonical_digest(doc), initial_state=initial,
            transitions_from={k: tuple(v) for k, v in transitions_from.items()},
        )


def reserved_id_problems(document: Mapping[str, Any], source: str = "") -> list[Problem]:
    """A transition may not take a name the engine writes into the audit log itself (``start``, ``retention_purge``).

    Such a name would make the transition's events look like the engine's in
    the timeline and in anything that reads the log by transition.
    """
    out = []
    for i, tr in enumerate(_as_list(document.get("transitions"))):
        tid = _as_dict(tr).get("id")
        if isinstance(tid, str) and tid in RESERVED_TRANSITION_IDS:
            message = _("'{id}' is reserved: the engine records its own '{id}' event in the audit log; give the "
                        "transition another id (reserved: {reserved})")
            out.append(Problem(pointer(["transitions", i, "id"]),
                               message.format(id=tid, reserved=", ".join(sorted(RESERVED_TRANSITION_IDS))), source))
    return out


def _strongly_connected(edges: Mapping[str, list[str]]) -> dict[str, int]:
    """The strongly connected component of every node of a directed graph (Kosaraju, without recursion)."""
    nodes = list(dict.fromkeys([*edges, *(t for targets in edges.values() for t in targets)]))
    order: list[str] = []
    seen: set[str] = set()
    for start in nodes:
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(edges.get(start, ())))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in seen:
                    seen.add(child)
                    stack.append((child, iter(edges.get(child, ()))))
                    break
            else:
                stack.pop()
                order.append(node)
    reverse: dict[str, list[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            reverse.setdefault(target, []).append(source)
    component: dict[str, int] = {}
    for number, start in enumerate(reversed(order)):
        if start in component:
            continue
        component[start] = number
        todo = [start]
        while todo:
            for nxt in reverse.get(todo.pop(), ()):
                if nxt not in component:
                    component[nxt] = number
                    todo.append(nxt)
    return component
