"""Question wording from small grammars: the seed picks the phrasing, the context and the story,
and the picks are recorded as a ``template_id`` so diversity can be measured per wording.

A :class:`Grammar` maps rule names to alternatives; an alternative is text with ``{slot}``
references to other rules or to fixed values (numbers, labels, units) passed to
:meth:`Grammar.expand`. Only the wording is chosen here: values come from the construction, so
the answer stays exact. :func:`frame` wraps every created draft's question in a context sentence
about its knowledge point and an answer instruction (the create stage calls it for every family).

Rule: a grammar never writes an all-upper-case word (the checker reads those as element labels),
so people are named ("Mia") or described ("one student"), never "I" or "A".
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
from collections.abc import Mapping, Sequence

from pipelines.creators.base import LABEL_TOKEN, Draft

_SLOT = re.compile(r"\{(\w+)\}")


class Grammar:
    """Rules name -> alternatives; :meth:`expand` picks one alternative per rule use with ``rng``."""

    def __init__(self, rules: Mapping[str, Sequence[str]], labels: Sequence[str] = ()) -> None:
        """``labels``: the element labels the alternatives may name (any other upper-case word is refused)."""
        for name, alts in rules.items():
            if isinstance(alts, str) or not alts:
                raise ValueError(f"grammar rule {name!r}: expected a non-empty list of alternatives")
            for alt in alts:
                bad = [w for w in LABEL_TOKEN.findall(_SLOT.sub("", alt)) if w not in labels]
                if bad:
                    raise ValueError(f"grammar rule {name!r}: alternative {alt!r} writes upper-case word(s) {bad} "
                                     "that the checker would read as labels")
        self.rules = {k: tuple(v) for k, v in rules.items()}

    def expand(self, rng: random.Random, start: str = "question", **values) -> tuple[str, str]:
        """(text, template id) of rule ``start``: each rule use picks an alternative; ``values``
        fill slots that are not rules. The id lists ``rule<index>`` of every pick, in order."""
        picks: list[str] = []

        def sub(m: re.Match) -> str:
            name = m.group(1)
            if name in values:
                return str(values[name])
            if name not in self.rules:
                raise KeyError(f"grammar slot {{{name}}} is neither a rule nor a given value")
            i = rng.randrange(len(self.rules[name]))
            picks.append(f"{name}{i}")
            return _SLOT.sub(sub, self.rules[name][i])

        text = sub(re.match(r"\{(\w+)\}", "{" + start + "}"))
        return _tidy(text), ".".join(picks)


def _tidy(text: str) -> str:
    """Single spaces, no space before punctuation, a capital letter at each sentence start."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" ([,.;:?!])", r"\1", text)
    return re.sub(r"(^|[.?!] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def content_rng(*parts: str) -> random.Random:
    """A generator seeded by ``parts`` (a draft's content), the same in every process and run."""
    key = "\x1f".join(parts)
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


# ---------------------------------------------------------------------------------------------- framing

FRAME = Grammar({
    "lead": [
        "{who} is working through {source} on {point} {when}.",
        "This figure comes from {source} about {point}.",
        "{who} sketched the figure below while revising {point}.",
        "In {source} on {subject}, the following figure appears.",
        "Here is {kind} exercise on {point}.",
        "{who} wants to check an answer about {point} with the figure.",
        "Use the figure to reason about {point}.",
        "{who} found this {subject} problem in {source}.",
        "{when_cap}, {who_lc} drew this figure for {point}.",
        "The figure below belongs to {kind} task on {subject}.",
        "",
    ],
    "who": ["Mia", "Noah", "one student", "Priya", "our teacher", "Lena", "Tomás", "the tutor", "Kofi", "Yuki",
            "the class", "Sam", "Amara", "Jonas", "Wei", "Rosa"],
    "who_lc": ["Mia", "Noah", "one student", "Priya", "our teacher", "Lena", "Kofi", "Yuki", "the class", "Rosa"],
    "when": ["this week", "before an exam", "after school", "in a workshop", "during a quiz", "at home",
             "on a train ride", "for homework"],
    "when_cap": ["This week", "Before an exam", "After school", "In a workshop", "During a quiz", "At home"],
    "source": ["a worksheet", "a textbook", "a practice test", "a class handout", "a puzzle book",
               "an online lesson", "a study guide", "a revision sheet", "a contest paper"],
    "kind": ["a short", "a warm-up", "a practice", "a review", "a challenge", "a quick", "an exam-style"],
    "close_number": ["", "", "Answer with a number.", "Write the final answer only.",
                     "Reason step by step before answering.", "Check the result against the figure.",
                     "Use the values shown in the figure.", "State the result as a single number."],
    "close_choice": ["", "", "Choose one option and give its letter.", "Pick the correct option.",
                     "Answer with the option letter.", "Only one option is correct."],
    "close_text": ["", "", "Answer briefly.", "Give a short answer."],
})


@functools.lru_cache(maxsize=1)
def _taxonomy_names() -> dict[str, str]:
    """Shipped knowledge id -> its name ("Resistors in series"), read once per process."""
    from knowledge.loader import load_taxonomy

    return {n.node_id: n.name for n in load_taxonomy().nodes.values()}


def _as_phrase(name: str) -> str:
    """A taxonomy name inside a sentence: the first letter lowered unless the first word is a
    proper name ("Ohm's law") or the name holds an all-capital word (read as a label)."""
    first = name.split(" ", 1)[0]
    if not name or LABEL_TOKEN.search(name):
        return ""
    return name if "'" in first or first[1:] != first[1:].lower() else name[:1].lower() + name[1:]


def _named(node_id: str, depth: int) -> str:
    """The name of ``node_id``'s ancestor at ``depth`` dotted parts, or of the nearest ancestor
    above it with a usable name (an evolved id extends a shipped one); "" when none is known."""
    names, parts = _taxonomy_names(), node_id.split(".")
    for n in range(min(depth, len(parts)), 0, -1):
        phrase = _as_phrase(names.get(".".join(parts[:n]), ""))
        if phrase:
            return phrase
    return ""


def point_phrase(node_id: str) -> str:
    """A knowledge point as words: its taxonomy name (``...circuits.series_resistance`` ->
    ``resistors in series``; an evolved sub-point reads as the point it refines), else the id's
    own words (``triangles and area``)."""
    named = _named(node_id, 3)
    if named:
        return named
    parts = [p for p in node_id.split(".")[1:] if p and not p.startswith(("ev_", "sp_", "mp_"))] \
        or node_id.split(".")[:1]
    words = [re.sub(r"_+", " ", p).strip() for p in parts[-2:]]
    return " and ".join(words) if len(words) == 2 and words[0] != words[1] else words[-1]


def subject_phrase(node_id: str, domain: str) -> str:
    """What a source is about: the point's topic name ("resistor circuits"), else the domain's."""
    return _named(node_id, 2) or domain.replace("_", " ")


def _gives_away(phrase: str, draft: Draft) -> bool:
    """True when a word of ``phrase`` is a word of the answer or of an option (a knowledge point
    named "parallel lines" must not frame the question whose answer is "parallel")."""
    words = set(re.findall(r"[a-z]+", phrase.lower()))
    said = " ".join((draft.answer, *draft.choices)).lower()
    return bool(words & set(re.findall(r"[a-z]{3,}", said)))


def frame(draft: Draft) -> Draft:
    """``draft`` with its question wrapped in a context sentence about its knowledge point and an
    answer instruction, and ``template_id`` extended by the frame's picks.

    The picks are seeded by the draft's content (family, question, answer, figure code), not by
    the plan: identical problems get identical wording, so exact de-duplication still sees them."""
    rng = content_rng(draft.family, draft.question, draft.answer, draft.render_code)
    subject = subject_phrase(draft.node_ids[0], draft.domain) if draft.node_ids else _named(draft.domain, 1) \
        or draft.domain.replace("_", " ")
    point = point_phrase(draft.node_ids[0]) if draft.node_ids else subject
    if _gives_away(point, draft) or _gives_away(subject, draft):
        point = subject = "this figure"
    values = {"point": point, "subject": subject}
    lead, lead_id = FRAME.expand(rng, "lead", **values)
    close, close_id = FRAME.expand(rng, f"close_{draft.answer_type}", **values)
    question = " ".join(p for p in (lead, draft.question.strip(), close) if p)
    base = draft.template_id.split("|")[0] or f"{draft.family}.plain"
    return draft.replace(question=question, template_id=f"{base}|{lead_id}.{close_id}")
