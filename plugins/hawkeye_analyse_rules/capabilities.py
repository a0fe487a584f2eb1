"""What a tool can do, and whether its annotations and name tell the truth about it.

Capabilities come from the tool's name words, the first sentence of its
description (where servers say what a tool does; later sentences are usage
notes) and its parameter names. Writing files counts only for this host's
files: a tool whose description or parameters (``repo``, ``bucket``) place its
files in a hosted repository or a bucket writes through an API instead.
Capabilities are facts about a server, reported at low to medium severity;
the cross-server analysis uses the same classification to find toxic flows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from attrs import frozen

from hawkeye_analyse_rules.capability_words import (
    ANY_COMMAND,
    ANY_DEST,
    BROWSER,
    CRED_DESC,
    CRED_WORDS,
    DESC_NEGATION,
    DESTROY_DESC,
    DESTROY_WORDS,
    EXEC_DESC,
    EXEC_QUALIFIED,
    EXEC_WORDS,
    FETCH_DESC,
    FILE_PARAMS,
    FILE_WORDS,
    HOST_EXEC,
    INSERT_DESC,
    LEAD_VERB,
    LOCAL,
    LOCAL_PATH_DELETED,
    MASKED,
    MODIFY_DESC,
    MODIFY_WORDS,
    NAVIGATE,
    NEGATION,
    OUTPUT_PARAMS,
    OWN_STORE,
    QUERY_WORDS,
    REMOTE,
    REMOTE_PARAMS,
    RUN_OBJECTS,
    SECRET_PARAM,
    SEND_DESC,
    SEND_WORDS,
    SENTENCE,
    SHELL_PARAM,
    TOOL_NAME,
    UPLOAD,
    URL_OF,
    URL_PARAMS,
    VAULT_READS,
    WEB_DESC,
    WRITE_DESC,
    WRITE_DOTFILE,
    WRITE_TO_PATH,
    WRITE_VERBS,
    names_destination,
)
from hawkeye_analyse_rules.learned import Owners, load_model, text_features, with_rules
from hawkeye_analyse_rules.lookalike import Vocabulary, lookalike_word
from hawkeye_analyse_rules.rules import make_finding
from hawkeye_analyse_rules.surface import Surface, surfaces, tool_params
from hawkeye_analyse_rules.text import name_tokens, reveal
from hawkeye_core import Finding, Location, ServerInventory, Tool

__all__ = [
    "ANNOTATION_ALONE",
    "ANNOTATION_FINDING",
    "CAPABILITY_RULES",
    "Capabilities",
    "annotation_rules",
    "capability_findings",
    "classify",
    "first_sentence",
    "rule_capabilities",
    "tool_text",
]


@frozen
class Capabilities:
    """What one tool can do, as far as its name, description and schema say."""

    exec: bool = False
    file_write: bool = False
    egress: bool = False
    credentials: bool = False


def first_sentence(description: str) -> str:
    """The first sentence of a description, in lower case."""
    match = SENTENCE.match(description)
    return (match.group(1) if match else description)[:400].lower()


def classify(tool: Tool) -> Capabilities:
    """The capabilities of ``tool``."""
    words = name_tokens(tool.name)
    word_set = set(words)
    lead = first_sentence(tool.description)
    params = {p.lower() for p in tool_params(tool)}
    browser = bool(BROWSER.search(lead)) and not HOST_EXEC.search(lead)
    runs = any(
        w == "run" and i + 1 < len(words) and words[i + 1] in RUN_OBJECTS
        for i, w in enumerate(words)
    )
    starts_process = "start" in word_set and "process" in word_set
    query = bool(word_set & QUERY_WORDS) and not HOST_EXEC.search(lead)
    exec_words = {
        w for i, w in enumerate(words) if i + 1 >= len(words) or words[i + 1] not in EXEC_QUALIFIED
    }
    exec_ = not browser and (
        (bool(exec_words & EXEC_WORDS) and not query)
        or bool(ANY_COMMAND.search(lead))
        or _param_text_matches(tool, SHELL_PARAM)
        or runs
        or starts_process
        or any(p.search(lead) for p in EXEC_DESC)
    )
    remote = bool(REMOTE.search(lead)) or (
        bool(params & REMOTE_PARAMS) and not LOCAL.search(lead) and _remote_params(tool)
    )
    file_write = not remote and (
        (bool(word_set & WRITE_VERBS) and bool(word_set & FILE_WORDS))
        or bool(WRITE_DESC.search(lead))
        or bool(WRITE_TO_PATH.search(lead))
        or bool(WRITE_DOTFILE.search(lead))
        or _deletes_local_path(tool.description.lower())
        or bool(params & OUTPUT_PARAMS)
        or (bool(params & FILE_PARAMS) and bool(INSERT_DESC.search(lead)))
    )
    url_param = bool(params & URL_PARAMS)
    own_store = not url_param and bool(OWN_STORE.search(lead))
    fetch = FETCH_DESC.search(lead)
    egress = (
        (fetch is not None and (url_param or not URL_OF.match(lead, fetch.start())))
        or (url_param and (bool(NAVIGATE.search(lead)) or _url_param_navigates(tool)))
        or (url_param and bool(WEB_DESC.search(lead)))
        # a message or an upload leaves for a destination the caller chooses, not the
        # service's own store or the service's own customers
        or (
            (
                bool(SEND_DESC.search(lead))
                or (bool(UPLOAD.search(lead)) and not own_store)
                or bool(word_set & (SEND_WORDS - {"upload"} if own_store else SEND_WORDS))
            )
            and (any(names_destination(p) for p in params) or bool(ANY_DEST.search(lead)))
        )
        # a browser uploads to whatever page it was sent to
        or (bool(UPLOAD.search(lead)) and "browser" in word_set)
    )
    credentials = (
        bool(CRED_DESC.search(lead))
        or bool(word_set & CRED_WORDS)
        or ("env" in word_set and bool(word_set & {"print", "get", "list", "read", "dump", "show"}))
        or any(SECRET_PARAM.search(p) for p in params)
        # a vault may hold notes (Obsidian) or only titles: reading a login or secret from it counts
        or ("vault" in word_set and bool(word_set & VAULT_READS))
    ) and not MASKED.search(tool.description.lower())
    return Capabilities(exec=exec_, file_write=file_write, egress=egress, credentials=credentials)


def _deletes_local_path(description: str) -> bool:
    """True when any sentence says a local path is deleted or overwritten, and not in the negative.

    A later sentence may say it ("its build output in ./dist is deleted first").
    """
    if "./" not in description and "~/" not in description and "/tmp/" not in description:
        return False
    match = LOCAL_PATH_DELETED.search(description)
    return match is not None and not NEGATION.search(match.group(0))


def _remote_params(tool: Tool) -> bool:
    """True when ``tool``'s repository or bucket parameters name a remote store.

    "Delete file" with ``owner``, ``repo`` and ``branch`` deletes a file of a
    hosted repository, not of this host; ``repo`` described as "path to the
    local clone" is this host's disk again.
    """
    properties = tool.input_schema.get("properties")
    if not isinstance(properties, Mapping):
        return False
    for name, schema in properties.items():
        if str(name).lower() not in REMOTE_PARAMS or not isinstance(schema, Mapping):
            continue
        description = schema.get("description")
        if isinstance(description, str) and LOCAL.search(description.lower()):
            return False
    return True


def _param_text_matches(tool: Tool, pattern: re.Pattern[str]) -> bool:
    """True when a top-level parameter's description matches ``pattern``."""
    properties = tool.input_schema.get("properties")
    if not isinstance(properties, Mapping):
        return False
    for schema in properties.values():
        if isinstance(schema, Mapping):
            description = schema.get("description")
            if isinstance(description, str) and pattern.search(description.lower()):
                return True
    return False


def _url_param_navigates(tool: Tool) -> bool:
    properties = tool.input_schema.get("properties")
    if not isinstance(properties, Mapping):
        return False
    for name, schema in properties.items():
        if str(name).lower() in URL_PARAMS and isinstance(schema, Mapping):
            description = schema.get("description")
            if isinstance(description, str) and NAVIGATE.search(description.lower()):
                return True
    return False


def _lead_verb(tool: Tool) -> str:
    match = LEAD_VERB.match(tool.description.lower())
    return match.group(1) if match else ""


#: The last word of a tool name that reads: whatever modifying word comes before it is its topic.
READ_NOUNS = frozenset(
    [
        "check",
        "status",
        "notice",
        "info",
        "list",
        "preview",
        "report",
        "history",
        "log",
        "logs",
        "search",
        "lookup",
        "get",
        "show",
        "view",
        "count",
        "summary",
        "details",
        "stats",
        "state",
    ]
)


#: Verbs that open a reading tool's name.
_READ_LEADS = frozenset(
    {"get", "list", "show", "search", "fetch", "find", "read", "describe", "query", "view", "count"}
)


def _admitted(pattern: re.Pattern[str], description: str) -> str | None:
    """The first change ``pattern`` finds in ``description`` that no negation just before denies."""
    text = description.lower()
    for said in pattern.finditer(text):
        if not DESC_NEGATION.search(text, max(0, said.start() - 25), said.start()):
            return said.group(0)
    return None


def _annotation_findings(tool: Tool, where: Location, caps: Capabilities) -> Iterator[Finding]:
    annotations = tool.annotations
    tokens = name_tokens(tool.name)
    words = set(tokens)
    verb = _lead_verb(tool)
    # "deploy_notice", "update_check", "run_status": a modifying word before a read noun names
    # what is read about, not what the tool does
    # "get_mark_price", "list_restore_points": a read verb first names what is read about
    named = set() if tokens and (tokens[-1] in READ_NOUNS or tokens[0] in _READ_LEADS) else words
    modifying = (named | {verb}) & MODIFY_WORDS
    destroying = (words | {verb}) & DESTROY_WORDS
    if not destroying:  # "Archiving permanently deletes the ticket"
        said = _admitted(DESTROY_DESC, tool.description)
        destroying = {said} if said else destroying
    if not modifying:
        said = _admitted(MODIFY_DESC, tool.description)
        modifying = {said} if said else modifying
    changes = modifying | destroying
    if annotations.get("readOnlyHint") is True and (changes or caps.exec or caps.file_write):
        why = ", ".join(sorted(changes)) or ("executes commands" if caps.exec else "writes files")
        yield make_finding(
            "HE-ANN-001",
            evidence=f"readOnlyHint: true on {tool.name!r} ({why})",
            location=where,
            confidence=0.85 if changes & words else 0.7,
        )
    if (
        annotations.get("destructiveHint") is False
        and annotations.get("readOnlyHint") is not True
        and destroying
    ):
        yield make_finding(
            "HE-ANN-002",
            evidence=f"destructiveHint: false on {tool.name!r} ({', '.join(sorted(destroying))})",
            location=where,
            confidence=0.85,
        )
    if annotations.get("openWorldHint") is False and caps.egress:
        yield make_finding(
            "HE-ANN-003",
            evidence=f"openWorldHint: false on {tool.name!r}: "
            f"{reveal(first_sentence(tool.description))[:120]!r}",
            location=where,
            confidence=0.7,
        )


def _capability_evidence(tool: Tool) -> str:
    return f"{tool.name}: {reveal(first_sentence(tool.description))[:160]}"


#: Each capability rule, the :class:`Capabilities` field the rules set, the learned model
#: that decides and the model's score from which the tool has the
#: capability. The models read the tool's words, the words of its name, and whether the rules
#: see the capability (:func:`classify`). With one batch left out at a time (2,249 tools of
#: 21 batches; batches 19-22 blind to these rules): file writes P 0.792 / R 0.545 by the
#: rules, P 0.945 / R 0.675 with the model (19-22: 0.357 / 0.312 and 0.875 / 0.875);
#: credentials 0.600 / 0.577 and 0.927 / 0.731 (19-22: 0.333 / 0.273 and 0.909 / 0.909);
#: command execution 0.964 / 0.675 and 0.968 / 0.750. For egress the model first traded
#: recall for precision (0.827 / 0.743 against the rules' 0.833 / 0.780) and the rules
#: decided; with 52 batches (fifteenth pass, seven folds of batches) it beats them from 0.5:
#: P 0.862 / R 0.795 against 0.844 / 0.806 on all, 0.883 / 0.846 against 0.854 / 0.828 on
#: batches 19-50; every capability has a model now. With 56
#: batches (sixteenth pass, seven folds), file writes and credentials count from 0.5: file
#: writes P 0.910 / R 0.839 from 0.4, 0.928 / 0.826 from 0.5; credentials 0.837 / 0.807 and
#: 0.862 / 0.800; command execution stays at 0.4 (0.989 / 0.858, and 0.849 from 0.5).
CAPABILITY_RULES: tuple[tuple[str, str, str, float], ...] = (
    ("HE-CAP-001", "exec", "capability-exec", 0.4),
    ("HE-CAP-002", "file_write", "capability-file-write", 0.5),
    ("HE-CAP-003", "egress", "capability-egress", 0.5),
    ("HE-CAP-004", "credentials", "capability-credentials", 0.5),
)


def rule_capabilities(caps: Capabilities, tool: Tool) -> dict[str, dict[str, float]]:
    """What the capability models read beside the words: the rules' verdict and the name.

    ``cap`` is 1.0 when :func:`classify` sees the model's capability; ``name:<word>``
    for each word of the tool's name. (The words of parameter names were tried too:
    they helped command execution and cost file writes more.)
    """
    named = {"name:" + word: 1.0 for word in name_tokens(tool.name[:128])}
    return {
        family: {"cap": float(getattr(caps, flag)), **named}
        for _, flag, family, _ in CAPABILITY_RULES
    }


#: The annotations model's score from which a tool's annotation hints contradict it, beside
#: an annotation rule that fires. With one batch left out at a time (1,995 tools with hints,
#: 62 labelled): the annotation rules alone P 0.588 / R 0.645, the model P 0.879 / R 0.823
#: from 0.5, P 0.920 / R 0.742 from 0.64.
ANNOTATION_FINDING = 0.5
#: ... and where no annotation rule fires (the finding then names every claim the hints make).
ANNOTATION_ALONE = 0.64
_HINTS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
#: The rule a contradicted hint makes when the model finds what the rules did not.
_HINT_RULES = (
    ("readOnlyHint", True, "HE-ANN-001"),
    ("destructiveHint", False, "HE-ANN-002"),
    ("openWorldHint", False, "HE-ANN-003"),
)


def annotation_rules(
    tool: Tool, caps: Capabilities, fired: Sequence[Finding] | None = None
) -> dict[str, float] | None:
    """What the annotations model reads beside the words; None for a tool without hints.

    Each boolean hint (``readOnlyHint=True``), each annotation rule that fires
    (``rule:HE-ANN-001``; ``fired``: those findings, when the caller has them),
    each capability the rules see (``cap:exec``) and the words of the tool's name.
    """
    annotations = tool.annotations
    hints = {
        f"{h}={annotations.get(h)}": 1.0 for h in _HINTS if isinstance(annotations.get(h), bool)
    }
    if not hints:
        return None
    if fired is None:
        fired = list(_annotation_findings(tool, Location(server="", tool=tool.name), caps))
    hints |= {"rule:" + finding.rule_id: 1.0 for finding in fired}
    hints |= {"cap:" + flag: 1.0 for _, flag, _, _ in CAPABILITY_RULES if getattr(caps, flag)}
    hints |= {"name:" + word: 1.0 for word in name_tokens(tool.name[:128])}
    return hints


def _annotations_judged(
    tool: Tool, where: Location, caps: Capabilities, text: Mapping[str, float]
) -> Iterator[Finding]:
    """The HE-ANN findings of ``tool`` when the annotations model says its hints contradict it."""
    fired = list(_annotation_findings(tool, where, caps))  # the rules' reading, once
    hints = annotation_rules(tool, caps, fired)
    if hints is None:
        return
    probability = load_model("annotations").probability(with_rules(text, hints))
    if probability < ANNOTATION_FINDING:
        return
    if fired:
        yield from fired
        return
    # the model says that some hint is wrong, not which: the finding names every claim a hint
    # makes (read-only, not destructive, closed world) under the rule of the broadest one
    claims = [(h, v, r) for h, v, r in _HINT_RULES if tool.annotations.get(h) is v]
    if probability < ANNOTATION_ALONE or not claims:
        return
    said = ", ".join(f"{hint}: {str(value).lower()}" for hint, value, _ in claims)
    which = "this hint is" if len(claims) == 1 else "one of these hints is"
    yield make_finding(
        claims[0][2],
        evidence=f"{said} on {tool.name!r}: {reveal(first_sentence(tool.description))[:120]!r} "
        f"[the learned model's judgement: {which} wrong]",
        location=where,
        confidence=round(probability, 2),
    )


def tool_text(owners: Owners, tool: Tool, duplicated: bool) -> dict[str, float]:
    """The words' features of ``tool``: of its own surfaces when another tool has its name."""
    if not duplicated:
        return owners.text_features(("tool", tool.name))
    return text_features(
        [s for s in owners.surfaces.get(("tool", tool.name), ()) if s.tool is tool]
    )


def capability_findings(
    inventory: ServerInventory,
    listed: Sequence[Surface] | None = None,
    owners: Owners | None = None,
) -> Iterator[Finding]:
    """HE-CAP-*, HE-ANN-* and HE-NAME-* findings for the tools of ``inventory``.

    ``listed`` are the inventory's surfaces and ``owners`` the same grouped by
    owner, when the caller has them already. A capability is the learned
    model's call where there is one (:data:`CAPABILITY_RULES`), and so is a
    contradiction between a tool and its annotation hints
    (:data:`ANNOTATION_FINDING`); the rules' readings are the models' evidence.
    """
    server = inventory.ref.label
    counts = Counter(tool.name for tool in inventory.tools)
    listed = list(surfaces(inventory)) if listed is None else listed
    owners = Owners(listed) if owners is None else owners
    vocabulary = Vocabulary(listed)
    for tool in inventory.tools:
        where = Location(server=server, tool=tool.name)
        caps = classify(tool)
        text = tool_text(owners, tool, counts[tool.name] > 1)
        seen = rule_capabilities(caps, tool)
        for rule_id, flag, family, threshold in CAPABILITY_RULES:
            probability = load_model(family).probability(with_rules(text, seen[family]))
            if probability >= threshold:
                judged = "" if getattr(caps, flag) else " [the learned model's judgement]"
                yield make_finding(
                    rule_id,
                    evidence=_capability_evidence(tool) + judged,
                    location=where,
                    confidence=round(probability, 2),
                )
        yield from _annotations_judged(tool, where, caps, text)
        if not TOOL_NAME.fullmatch(tool.name):
            yield make_finding(
                "HE-NAME-001",
                evidence=f"tool name {reveal(tool.name)[:160]!r} ({len(tool.name)} characters)",
                location=where,
                confidence=0.99,
            )
        else:
            fake = lookalike_word(
                tool.name, vocabulary, owners.surfaces.get(("tool", tool.name), ())
            )
            if fake is not None:
                yield make_finding(
                    "HE-NAME-003",
                    evidence=f"tool name {tool.name[:160]!r}: {fake[0]!r} is written for "
                    f"{fake[1]!r}, the word the server uses",
                    location=where,
                    confidence=0.85,
                )
    for name, count in counts.items():
        if count > 1:
            yield make_finding(
                "HE-NAME-002",
                evidence=f"{count} tools named {reveal(name)[:120]!r}",
                location=Location(server=server, tool=name),
                confidence=0.99,
            )
