"""The deterministic risk detector: spaCy's Matcher over normalised lemmas, driven by rules.yml.

`RiskDetector.detect(text)` returns a `Verdict`. It is pure (no I/O after loading) so the same code runs
inside the Rasa NLU component, in the tests and in `make eval`. The rules themselves, and the reason for
each, live in rules.yml beside this file; this module only knows how to read and apply them.

Pattern language used in rules.yml (one pattern is a space-separated sequence of tokens):
  word        a literal, matched on its normalised form (lemma, slang and misspellings resolved)
  =word       a literal matched on the exact lower-case word, not its lemma: "=took" is past tense only
  a|b|c       any one of these literals
  a+b|c       "+" joins words inside one alternative: "too+many|too+much" is "too many" or "too much"
  @set        any word of a named set (also among alternatives: "@drug|gun|knife")
  x?          the token is optional (works on any of the forms above)
  ...         zero to three tokens of anything
  #num        a number written in digits or words ("30", "thirty", "a bunch")
  #many       a number of five or more, or a heap word ("25", "twenty", "handful", "bunch", "whole")
  #year       a year such as 2019
  #rate       a reading of 100 to 299 (a pulse of 140, a fever of 104)
  #minor      an age under 18 in digits or words ("im 16", "she is five")

Rule-level context (see the rules.yml header): `requires` names one or more `contexts` of which at
least one must occur, not negated, in the message; `unless` names contexts that must not occur;
`mention_only` rules never raise risk and only mark a mention inside a program question.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

RULES_PATH = Path(__file__).resolve().parent / "rules.yml"
CATEGORIES = ("suicide", "self_harm", "overdose", "withdrawal_danger", "medical_emergency", "violence", "abuse")
URGENCIES = ("imminent", "urgent")
UNCLEAR = "unclear"  # the subject of a danger the words do not name (Verdict.subject)
# When several categories fire, the one whose resources are most time-critical leads.
CATEGORY_PRIORITY = ("overdose", "medical_emergency", "withdrawal_danger", "suicide", "violence", "abuse", "self_harm")
# Categories that describe a symptom rather than its cause: when a cause fires too ("i cut too deep and
# it won't stop bleeding", "day 2 off booze and my heart is going 150"), the cause leads and the symptom
# goes into `also`; the urgency stays imminent either way.
SYMPTOM_CATEGORIES = ("medical_emergency",)
MAX_SCAN_CHARS = 20000  # far past any channel's message cap: a risk phrase at the end is still read
_WILDCARD_SPAN = 3
_NEGATION_WINDOW = 4
_CLAUSE_BREAKS = {".", "!", "?", ";", ",", "but", "and", "so", "because", "\n"}
# Words ending in "in" that are not a dropped g ("ruin" is not "ruing").
_NOT_DROPPED_G = {"again", "brain", "within", "cabin", "begin", "heroin", "margin", "origin", "violin", "robin",
                  "basin", "cousin", "raisin", "penguin", "protein", "toxin", "vitamin", "insulin", "aspirin",
                  "admin", "login", "satin", "napkin", "pumpkin", "muffin", "dolphin", "bulletin", "martin",
                  "kevin", "austin", "justin", "dustin", "latin", "cumin", "train", "drain", "grain", "stain",
                  "chain", "plain", "ruin", "twin", "skin", "remain", "explain", "domain", "captain", "certain",
                  "curtain", "mountain", "fountain", "maintain", "obtain", "contain", "complain", "sustain",
                  "attain", "retain", "detain", "refrain", "strain", "sprain", "terrain", "villain", "bargain",
                  "coffin", "goblin", "gremlin", "kratin", "ritalin", "benadryl", "bin", "spin", "thin", "akin",
                  "tin", "pin", "fin", "gin", "kin", "win", "sin", "din", "chin", "shin", "lin", "kristin"}
# Who a phrase is about (see RiskDetector._subject).
_SELF_OBJECT = {"me", "myself", "us", "kill_myself_slang"}
_SELF_SUBJECT = {"i", "me", "myself", "we", "us", "kill_myself_slang"}
_OTHER_SUBJECT = {"he", "she", "they", "himself", "herself", "themselves"}
_PRONOUNS = {"he", "she", "they", "him", "her", "them", "someone", "somebody", "his", "their"}
_PAST_SCOPE_BREAKS = {".", "!", "?", ";", ",", "but", "so", "because", "though", "although", "\n"}
# Past-tense words for markers that are only past when the sentence is told in the past ("in high school").
_PAST_TENSE = {"was", "were", "had", "did", "got", "went", "took", "made", "came", "saw", "told", "said", "left",
               "felt", "ran", "fell", "broke", "gave", "knew", "thought", "od'd", "overdosed", "tried", "used"}
_SENTENCE_BREAKS = {".", "!", "?", "\n"}
# Words in -ing after "be" that do not say a state is happening now ("it was nothing", "the morning was fine").
_PRESENT_BE = {"am", "'m", "m", "im", "is", "'s", "are", "'re", "re"}
_NOT_A_STATE = {"nothing", "something", "anything", "everything", "thing", "things", "morning", "evening",
                "during", "bring", "string", "spring", "ceiling"}
# Words that may stand around a time marker in a clause of its own ("..., like a decade ago now").
_TIME_FILLERS = {"like", "about", "maybe", "that", "this", "it", "its", "be", "have", "been", "around", "roughly",
                 "probably", "oh", "um", "almost", "over", "nearly", "well", "a", "an", "now", "and", "only", "all"}
# "can't stop shaking", "not ok, i want to die", "can't help thinking": the negation does not deny the phrase.
_NEGATION_RELEASED_BY = {"stop", "help", "quit", "okay", "ok", "fine", "good", "well", "alright", "great"}
# "i don't think i'm in withdrawal": a negated belief verb reaches over the clause it introduces.
_BELIEF_VERBS = {"think", "believe", "feel", "guess", "reckon", "say", "mean"}
_BELIEF_EXTRA = 3
# A new subject ends the reach of a negation: "i'm not ok i want to die".
_SUBJECT_PRONOUNS = {"i", "you", "he", "she", "they", "we"}
# Words that only carry a negation on to the phrase ("no i haven't had any thoughts of hurting myself", "i don't
# have a plan to hurt anyone", "never once in my whole life tried to ..."): when every word between the negation
# and the phrase is one of these, the negation reaches up to _NEGATION_REACH words back.
_NEGATION_BRIDGES = {
    "any", "ever", "even", "once", "really", "actually", "honestly", "seriously", "truly", "at", "all", "whatsoever",
    "single", "bit", "little", "a", "an", "the", "entire", "have", "has", "had", "having", "be", "been", "being", "feel",
    "feeling", "felt", "thought", "thoughts", "think", "thinking", "of", "about", "plan", "plans", "planning", "urge",
    "urges", "intention", "intentions", "intent", "desire", "desires", "wish", "idea", "ideas", "feelings", "to", "in",
    "my", "whole", "life", "tried", "try", "trying", "attempt", "attempted", "history", "or", "nor", "either", "yet",
    "recent", "current", "currently", "one", "family", "friends", "anyone", "anybody", "people", "kind", "sort", "do",
    "did", "done"}
_NEGATION_REACH = 10
# "never been more suicidal", "never this ready to die": "never" before a degree word stresses, not denies.
_DEGREE_WORDS = {"more", "so", "this", "that"}
# "no seizures or hallucinations", "no thoughts of suicide or self harm": the negation covers each alternative.
_COORDINATORS = {"or", "nor"}
# "no, my dad hit me", "nope he said he'd kill me": "no" before a pronoun or possessive answers, it does not deny.
_INTERJECTION_NEGATIONS = {"no", "nope", "nah"}
_NOT_A_DETERMINER = {"my", "his", "her", "their", "our", "your", "i", "he", "she", "they", "we", "you", "it",
                     "this", "that", "the", "im", "its", "someone", "somebody", "but"}
# "i never wanted to die until tonight": a change of state after the phrase undoes the negation.
_UNDOING_AFTER = {"until", "till", "til", "untill"}
# "is there someone to talk to if i get suicidal thoughts": the writer inside a condition is a hypothetical.
_CONDITIONAL = {"if", "whenever", "incase"}
# How a sentence that asks something starts (after a greeting): "do you ...", "is detox dangerous".
_QUESTION_OPENERS = {"do", "does", "did", "can", "could", "will", "would", "should", "may", "is", "are", "am", "r",
                     "what", "whats", "what's", "how", "hows", "why", "when", "where", "who", "which", "any"}
_QUESTION_PREAMBLE = {"hey", "hi", "hello", "hiya", "yo", "so", "also", "and", "ok", "okay", "um", "uh", "quick", "q",
                      "question", "sorry", "just", "wondering", "curious", "but", "oh", "well", "hola", ","}
_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
                 "seventeen eighteen nineteen twenty thirty forty fifty sixty hundred dozen").split()
_HEAP_WORDS = "bunch handful lot ton whole entire".split()
# #num: any number, in digits or words, or a quantity word ("a", "a bunch", "all").
_NUM_RE = r"^(\d+|\d+\.\d+|" + "|".join(["a", "an", *_NUMBER_WORDS, *_HEAP_WORDS, "all", "every"]) + ")$"
# #many: five or more, or a heap ("25", "twenty", "a handful", "the whole").
_MANY_RE = r"^([5-9]|[1-9]\d+|[1-9]\d{0,2}(,\d{3})+|" + "|".join([*_NUMBER_WORDS[4:], *_HEAP_WORDS]) + ")$"
_RATE_RE = r"^[12]\d\d$"
_MINOR_RE = r"^([1-9]|1[0-7]|" + "|".join(_NUMBER_WORDS[:17]) + ")$"


# Words too common to decide whether a pattern is worth trying on a message.
_COMMON_WORDS = {"i", "me", "my", "be", "the", "a", "an", "to", "and", "of", "in", "on", "it", "not", "n't", "do",
                 "have", "you", "he", "she", "they", "we", "that", "this", "with", "for", "at", "so", "but", "just",
                 "can", "will", "would", "go", "get", "up", "out", "what", "how", "all", "no", "never", "his",
                 "her", "him", "them", "your", "if", "or", "like", "now", "want", "know", "think", ",", "."}


class _IndexedMatcher:
    """A spaCy Matcher split by a word each pattern needs. A message only runs the parts whose word it
    contains, which keeps the detector well under a millisecond as the lexicon grows; the matches are
    the same as one big Matcher's."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab
        self._pending: List[Tuple[str, List[Dict[str, Any]]]] = []
        self._index: Dict[Tuple[str, str], List[Any]] = {}
        self._always: List[Any] = []
        self._built = False

    def add(self, key: str, patterns: List[List[Dict[str, Any]]]) -> None:
        self._pending.extend((key, p) for p in patterns)
        self._built = False

    @staticmethod
    def _trigger(pattern: List[Dict[str, Any]]) -> Optional[Tuple[str, frozenset]]:
        best, best_cost = None, None
        for spec in pattern:
            if "OP" in spec:
                continue
            for attr in ("NORM", "LOWER"):
                value = spec.get(attr)
                if isinstance(value, str):
                    values = frozenset([value])
                elif isinstance(value, dict) and "IN" in value:
                    values = frozenset(value["IN"])
                else:
                    continue
                cost = sum(1000 if v in _COMMON_WORDS else 1 for v in values)
                if best_cost is None or cost < best_cost:
                    best, best_cost = (attr, values), cost
        return best

    def _build(self) -> None:
        from spacy.matcher import Matcher

        groups: Dict[Any, List[Tuple[str, List[Dict[str, Any]]]]] = {}
        for key, pattern in self._pending:
            groups.setdefault(self._trigger(pattern), []).append((key, pattern))
        self._index, self._always = {}, []
        for trigger, members in groups.items():
            matcher = Matcher(self.vocab)
            by_key: Dict[str, List[List[Dict[str, Any]]]] = {}
            for key, pattern in members:
                by_key.setdefault(key, []).append(pattern)
            for key, patterns in by_key.items():
                matcher.add(key, patterns)
            if trigger is None:
                self._always.append(matcher)
                continue
            attr, values = trigger
            for value in values:
                self._index.setdefault((attr, value), []).append(matcher)
        self._built = True

    def __call__(self, doc) -> List[Tuple[int, int, int]]:
        if not self._built:
            self._build()
        active: Dict[int, Any] = {id(m): m for m in self._always}
        for token in doc:
            for key in (("NORM", token.norm_), ("LOWER", token.lower_)):
                for matcher in self._index.get(key, ()):
                    active[id(matcher)] = matcher
        found = set()
        for matcher in active.values():
            found.update(matcher(doc))
        return sorted(found, key=lambda m: (m[1], m[2], m[0]))


@dataclass(frozen=True)
class Hit:
    rule: str
    category: str
    urgency: str
    start: int
    end: int
    text: str


@dataclass
class Verdict:
    """The detector's reading of one message."""

    is_risk: bool = False
    category: Optional[str] = None
    urgency: Optional[str] = None
    # "self" (the writer), "other", or "unclear": the words say someone is in danger and not of what (a rule
    # marked `subject: unclear`, "i don't feel safe"), and the reply names every danger.
    subject: Optional[str] = None
    also: List[str] = field(default_factory=list)  # further categories that fired
    hits: List[Hit] = field(default_factory=list)
    # Why candidate phrases were set aside: "negated", "past", "idiom", "program_question".
    set_aside: List[str] = field(default_factory=list)
    mention: bool = False  # risk words inside a question about the program: a gentle check-in, no alarm
    # When the message places what it tells: "now" (a recent or imminent marker, "i'm shaking"), "history"
    # (a past, resolved or history marker), "habitual" ("when i stop drinking i shake"), or None (unsaid).
    # Read only where the screen asked for that history (bot/core/risk/screen_context.py).
    timing: Optional[str] = None
    # The same reading over the sentences of the hits only: "my ex used to hit me. I'm sharing my story tonight"
    # is "now" as a message and "history" where the hit is. Read by the corroboration of weak rules.
    hit_timing: Optional[str] = None
    # Every rule that fired is one whose lone hits the learned model may contradict (rules.yml `corroborate`).
    needs_corroboration: bool = False

    @property
    def weak_and_not_now(self) -> bool:
        """Only rules marked `corroborate` fired, and nothing is said to happen now where they fired: the message
        says nothing is happening now, or the sentences that hold the hits are told as history while another
        sentence is in the present ("my ex used to hit me. That was 6 years ago and I'm remarried now"). The
        learned model may set such a hit aside (bot/server/nlu/risk_component.py). A hit's sentence that says
        nothing about time keeps the message's "now": "tomorrow is the anniversary of my son's overdose. i plan
        to join him" (the model scored it 0.07) must escalate."""
        return self.is_risk and self.needs_corroboration and (self.timing != "now" or self.hit_timing == "history")

    def as_dict(self) -> Dict[str, Any]:
        return {
            "is_risk": self.is_risk,
            "category": self.category,
            "urgency": self.urgency,
            "subject": self.subject,
            "also": list(self.also),
            "rules": [h.rule for h in self.hits],
            "set_aside": sorted(set(self.set_aside)),
            "mention": self.mention,
            "timing": self.timing,
            "hit_timing": self.hit_timing,
            "needs_corroboration": self.needs_corroboration,
        }


def rules_fingerprint(path: Path = RULES_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class RiskDetector:
    def __init__(self, nlp: Any, rules_path: Path = RULES_PATH) -> None:
        self.nlp = nlp
        self.rules_path = rules_path
        try:
            self._lemma_lookup = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        except Exception:  # another pipeline: no dropped-g repair, everything else still works
            self._lemma_lookup = None
        raw = rules_path.read_text(encoding="utf-8")
        self._check_unquoted_hash(raw)
        spec = yaml.safe_load(raw)
        self._spelling: Dict[str, str] = {str(k).lower(): str(v) for k, v in (spec.get("spelling") or {}).items()}
        # Spellings the tokenizer would split ("s/h", "self-harm", "od'd", "r@ped") and contractions that
        # stand for two words ("gonna" -> "going to", "rn" -> "right now") are rewritten in the text.
        phrases = sorted((k for k, v in self._spelling.items() if not re.fullmatch(r"[a-z0-9]+", k) or " " in v),
                         key=len, reverse=True)
        self._phrase_re = re.compile(
            r"(?<![\w@/'-])(" + "|".join(re.escape(k) for k in phrases) + r")(?![\w@/'-])") if phrases else None
        self._emoji: Dict[str, str] = dict(spec.get("emoji") or {})
        self._sets: Dict[str, List[str]] = {}
        for name, words in (spec.get("sets") or {}).items():
            self._sets[name] = sorted({self._canon_word(w) for w in words})
        cues = spec.get("cues") or {}
        self._negation = {self._canon_word(w) for w in cues.get("negation", [])}
        self._other_person = {self._canon_word(w) for w in cues.get("other_person", [])}
        self._self_person = {self._canon_word(w) for w in cues.get("self_person", [])}

        self._rules: Dict[str, Dict[str, Any]] = {}
        self.matcher = _IndexedMatcher(nlp.vocab)
        self.cue_matcher = _IndexedMatcher(nlp.vocab)
        for rule in spec.get("rules") or []:
            self._check_rule(rule)
            self._rules[rule["id"]] = rule
            self.matcher.add(rule["id"], self._compile_all(rule["patterns"], rule["id"]))
        for cue in ("past", "past_lead", "past_told_in_past", "resolved", "recent", "imminent", "idiom",
                    "program_question", "other_subject", "history", "habitual", "safe_now"):
            patterns = cues.get(cue) or []
            if patterns:
                self.cue_matcher.add(cue, self._compile_all(patterns, f"cues.{cue}"))
        self._contexts = set()
        for name, patterns in (spec.get("contexts") or {}).items():
            self._contexts.add(name)
            self.cue_matcher.add(f"ctx:{name}", self._compile_all(patterns, f"contexts.{name}"))
        self.matcher._build()
        self.cue_matcher._build()
        self._pq_blockers = self._self_person | {"he", "she", "him", "her", "his", "himself", "herself"}
        for rule in self._rules.values():
            for key in ("requires", "unless"):
                names = rule.get(key) or []
                rule[key] = [names] if isinstance(names, str) else list(names)
                unknown = set(rule[key]) - self._contexts
                if unknown:
                    raise ValueError(f"risk rule {rule['id']}: {key} names unknown contexts {sorted(unknown)}")

    # ---------- normalisation ----------
    def normalise_text(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", str(text or ""))[:MAX_SCAN_CHARS]
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
        text = re.sub(r"[*_~]+", " ", text)  # markdown emphasis around words (before emoji become words)
        for emoji, word in self._emoji.items():
            text = text.replace(emoji, f" {word} ")
        text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
        text = re.sub(r"(\w)\1{2,}", r"\1\1", text.lower())  # "sooooo" -> "soo", "killll" -> "kill"
        if self._phrase_re is not None:
            text = self._phrase_re.sub(lambda m: f" {self._spelling[m.group(1)]} ", text)
        text = re.sub(r"[ \t\u00a0]+", " ", text)  # runs of spaces would become tokens of their own
        return text.strip()

    def _canon_token(self, lower: str, lemma: str) -> str:
        lower = lower.strip("'\".-")
        if lower in self._spelling:
            return self._spelling[lower]
        lemma = (lemma or lower).lower()
        if lemma == lower and len(lower) >= 5 and lower.endswith("in") and lower not in _NOT_DROPPED_G:
            # "shakin", "thinkin", "bleedin": the dropped g of SMS spelling
            lemma = self._lemma_lookup.get(lower + "g", lemma) if self._lemma_lookup is not None else lemma
        return self._spelling.get(lemma, lemma)

    def _canon_word(self, word: str) -> str:
        doc = self.nlp(str(word).lower())
        return " ".join(self._canon_token(t.lower_, t.lemma_) for t in doc)

    def make_doc(self, text: str):
        doc = self.nlp(self.normalise_text(text))
        for token in doc:
            token.norm_ = self._canon_token(token.lower_, token.lemma_)
        return doc

    # ---------- compiling the pattern language ----------
    @staticmethod
    def _check_unquoted_hash(raw: str) -> None:
        """YAML reads " #num" in an unquoted item as a comment and silently cuts the pattern short."""
        for number, line in enumerate(raw.splitlines(), 1):
            if re.match(r"""^\s*-\s+[^"'\s#].*\s#(num|many|year|rate|minor)\b""", line):
                raise ValueError(f"rules.yml line {number}: quote a pattern that uses a # token (#num, #many, ...)")

    def _check_rule(self, rule: Dict[str, Any]) -> None:
        missing = {"id", "category", "urgency", "why", "patterns"} - set(rule)
        if missing:
            raise ValueError(f"risk rule {rule.get('id', '?')} lacks {sorted(missing)}")
        if rule["category"] not in CATEGORIES or rule["urgency"] not in URGENCIES:
            raise ValueError(f"risk rule {rule['id']}: unknown category or urgency")
        if rule.get("subject", "auto") not in ("self", "other", "auto", UNCLEAR):
            raise ValueError(f"risk rule {rule['id']}: unknown subject {rule['subject']!r}")

    def _compile_all(self, patterns: Iterable[str], where: str) -> List[List[Dict[str, Any]]]:
        compiled = []
        for pattern in patterns:
            try:
                compiled.extend(self._compile(str(pattern)))
            except ValueError as exc:
                raise ValueError(f"{where}: pattern {pattern!r}: {exc}") from None
        return compiled

    def _options(self, raw: str) -> List[List[Dict[str, Any]]]:
        """The ways one pattern token can match, each a list of Matcher token specs."""
        optional = raw.endswith("?") and len(raw) > 1
        word = raw[:-1] if optional else raw
        if word == "#num":
            options = [[{"NORM": {"REGEX": _NUM_RE}}]]
        elif word == "#many":
            options = [[{"NORM": {"REGEX": _MANY_RE}}]]
        elif word == "#year":
            options = [[{"NORM": {"REGEX": r"^(19|20)\d\d$"}}]]
        elif word == "#rate":
            options = [[{"NORM": {"REGEX": _RATE_RE}}]]
        elif word == "#minor":
            options = [[{"NORM": {"REGEX": _MINOR_RE}}]]
        elif word.startswith("@") and "|" not in word:
            if word[1:] not in self._sets:
                raise ValueError(f"unknown set {word}")
            options = self._alternatives(self._sets[word[1:]])
        else:
            alternatives = []
            for w in word.split("|"):
                if w.startswith("@"):  # a set among the alternatives: "@drug|gun|knife"
                    if w[1:] not in self._sets:
                        raise ValueError(f"unknown set {w}")
                    alternatives.extend(self._sets[w[1:]])
                elif w:
                    alternatives.append(w.replace("+", " "))
            exact = [w[1:] for w in alternatives if w.startswith("=") and len(w) > 1]
            literal = [w for w in alternatives if not w.startswith("=")]
            options = self._alternatives(literal, canon=self._canon_word) if literal else []
            options += self._alternatives(exact, attr="LOWER")
            if not options:
                raise ValueError(f"empty token {raw!r}")
        if optional:
            if len(options) == 1 and len(options[0]) == 1:
                options = [[dict(options[0][0], OP="?")]]
            else:
                options.append([])
        return options

    @staticmethod
    def _alternatives(words: Sequence[str], canon=None, attr: str = "NORM") -> List[List[Dict[str, Any]]]:
        """Matcher specs for a list of words. With `canon`, a single word matches its normalised form or,
        since a lemma can depend on context ("left" -> "leave" alone), its plain lower-case form too."""
        singles: set = set()
        multis: set = set()
        for w in words:
            w = w.strip().lower()
            c = canon(w) if canon else w
            if not c:
                continue
            if " " in c:
                multis.add(c)
            else:
                singles.add(c)
                if canon and " " not in w and re.fullmatch(r"[a-z][a-z']*", w):
                    singles.add(w)
        options: List[List[Dict[str, Any]]] = []
        if singles:
            ordered = sorted(singles)
            options.append([{attr: ordered[0]} if len(ordered) == 1 else {attr: {"IN": ordered}}])
        for multi in sorted(multis):
            options.append([{attr: part} for part in multi.split()])
        return options

    def _compile(self, pattern: str) -> List[List[Dict[str, Any]]]:
        """One pattern string -> Matcher patterns (alternatives of several tokens branch)."""
        variants: List[List[Dict[str, Any]]] = [[]]
        for raw in pattern.split():
            if raw == "...":
                variants = [v + [{"OP": "?"} for _ in range(_WILDCARD_SPAN)] for v in variants]
                continue
            variants = [v + option for v in variants for option in self._options(raw)]
            if len(variants) > 256:
                raise ValueError("too many alternatives: split the pattern")
        variants = [v for v in variants if any(spec.get("OP") != "?" for spec in v)]
        if not variants:
            raise ValueError("a pattern needs at least one required token")
        return variants

    # ---------- reading a message ----------
    def detect(self, text: str) -> Verdict:
        doc = self.make_doc(text)
        cues: Dict[str, List[Tuple[int, int]]] = {}
        for match_id, start, end in self.cue_matcher(doc):
            cues.setdefault(self.nlp.vocab.strings[match_id], []).append((start, end))
        present = {name[4:] for name, spans in cues.items() if name.startswith("ctx:")
                   and any(not self._negated(doc, s, e) for s, e in spans)}

        verdict = Verdict(timing=self._timing(doc, cues))
        hits: List[Hit] = []
        mention_hits: List[Hit] = []
        for match_id, start, end in self.matcher(doc):
            rule = self._rules[self.nlp.vocab.strings[match_id]]
            if rule["requires"] and not present.intersection(rule["requires"]):
                continue
            if rule["unless"] and present.intersection(rule["unless"]):
                continue
            if rule.get("mention_only"):
                if self._program_question(doc, start, *self._sentence_bounds(doc, start, end), cues):
                    mention_hits.append(Hit(rule["id"], rule["category"], rule["urgency"], start, end, ""))
                continue
            reason = self._set_aside_reason(doc, rule, start, end, cues)
            if reason:
                verdict.set_aside.append(reason)
                if reason == "program_question":
                    mention_hits.append(Hit(rule["id"], rule["category"], rule["urgency"], start, end, ""))
                continue
            hits.append(Hit(rule["id"], rule["category"], rule["urgency"], start, end, doc[start:end].text))

        if not hits:
            verdict.mention = bool(mention_hits)
            return verdict
        hits.sort(key=lambda h: (h.start, h.end))
        verdict.is_risk = True
        verdict.hits = hits
        # A danger without a name ("nah im not safe i wanna die") leaves the category and the subject to the
        # danger named beside it; it still says the danger is now.
        named = [h for h in hits if self._rules[h.rule].get("subject") != UNCLEAR] or hits
        categories = {h.category for h in named}
        def imminent(h: Hit) -> bool:  # the rule says so, or timing or means are named and the rule takes cues
            return h.urgency == "imminent" or ("imminent" in cues and self._rules[h.rule].get("imminent_cues", True))

        ranked = sorted(categories, key=lambda c: (
            1 if c in SYMPTOM_CATEGORIES and len(categories) > 1 else 0,
            0 if any(h.category == c and imminent(h) for h in named) else 1,
            CATEGORY_PRIORITY.index(c),
        ))
        verdict.category = ranked[0]
        verdict.also = ranked[1:]
        verdict.needs_corroboration = all(self._rules[h.rule].get("corroborate", False) for h in hits)
        verdict.hit_timing = self._hits_timing(doc, cues, hits)
        verdict.urgency = "imminent" if any(imminent(h) for h in hits) else "urgent"
        # Who is at risk: the reading of the leading category's phrases that is said most plainly
        # ("how do i use narcan, my friend is not breathing": the friend, named, over "i").
        readings = [self._subject(doc, h, cues) for h in named if h.category == verdict.category]
        strongest = max(strength for _, strength in readings)
        verdict.subject = next(subject for subject, strength in readings if strength == strongest)
        return verdict

    def _hits_timing(self, doc, cues: Dict[str, List[Tuple[int, int]]], hits: List[Hit]) -> Optional[str]:
        """The timing read over the sentences that hold the hits (a cue counts when it lies inside one)."""
        spans = [self._sentence_bounds(doc, h.start, h.end) for h in hits]
        inside = {name: [(s, e) for s, e in found if any(left <= s and e <= right for left, right in spans)]
                  for name, found in cues.items()}
        tokens = [i for left, right in spans for i in range(left, right)]
        return self._timing(doc, inside, tokens)

    @staticmethod
    def _timing(doc, cues: Dict[str, List[Tuple[int, int]]], tokens: Optional[List[int]] = None) -> Optional[str]:
        """When the message places what it tells (see Verdict.timing). A recent or imminent marker outside a
        resolution ("it's safe now", "healed up now") says "now" and wins; "just" alone does not ("i just
        white-knuckled it"). "I'm|she's <verb>ing" ("i'm shaking", "she is seizing") says "now" too, unless the
        message tells what happens each time ("when i go without i'm sweating"); "going to" is a plan, and counts
        as now: never the safe reading."""
        resolved = cues.get("resolved", []) + cues.get("safe_now", [])
        for name in ("recent", "imminent"):
            for s, e in cues.get(name, []):
                if e - s == 1 and doc[s].lower_ == "just":
                    continue
                if not any(rs <= s and e <= re_ for rs, re_ in resolved):
                    return "now"
        habitual = bool(cues.get("habitual"))
        for i in (range(len(doc) - 1) if tokens is None else [i for i in tokens if i < len(doc) - 1]):
            token = doc[i]
            if token.lower_ in _PRESENT_BE and not habitual:
                following = [t.lower_ for t in doc[i + 1:i + 3]]
                if any(len(w) > 4 and w.endswith("ing") and w not in _NOT_A_STATE for w in following):
                    return "now"
        if any(cues.get(name) for name in ("past", "past_lead", "past_told_in_past", "resolved", "history")):
            return "history"
        if habitual:
            return "habitual"
        return None

    @staticmethod
    def _bounds(doc, start: int, end: int, breaks) -> Tuple[int, int]:
        """The stretch around [start, end) up to the nearest break token on either side."""
        left = start
        while left > 0 and doc[left - 1].norm_ not in breaks:
            left -= 1
        right = end
        while right < len(doc) and doc[right].norm_ not in breaks:
            right += 1
        return left, right

    def _sentence_bounds(self, doc, start: int, end: int) -> Tuple[int, int]:
        return self._bounds(doc, start, end, _SENTENCE_BREAKS)

    def _set_aside_reason(self, doc, rule: Dict[str, Any], start: int, end: int,
                          cues: Dict[str, List[Tuple[int, int]]]) -> Optional[str]:
        # An idiom that covers the phrase ("dying to know", "this wait is killing me").
        for s, e in cues.get("idiom", []) if rule.get("idioms", True) else []:
            if s <= start and end <= e or (s < end and start < e and rule.get("idiom_overlap", True)):
                return "idiom"
        if rule.get("negatable", True) and self._negated(doc, start, end):
            return "negated"
        left, right = self._sentence_bounds(doc, start, end)
        if rule.get("past_sensitive", True) and self._in_resolved_past(doc, start, end, cues):
            return "past"
        if rule.get("mention", False) and self._program_question(doc, start, left, right, cues,
                                                                   rule.get("imminent_cues", True)):
            return "program_question"
        return None

    def _in_resolved_past(self, doc, start: int, end: int, cues: Dict[str, List[Tuple[int, int]]]) -> bool:
        """A past time marker in the phrase's own stretch of the sentence (up to a comma, "but", "so",
        "because"; "and" keeps the time: "back in 2015 i was drinking and had a seizure"), or a resolution
        anywhere in the sentence ("... but none since"), with no recent marker in that stretch ("... and
        again last night"). "i want to die, i relapsed months ago" stays live."""
        left, right = self._bounds(doc, start, end, _PAST_SCOPE_BREAKS)
        inside = lambda name: any(left <= s and e <= right for s, e in cues.get(name, []))  # noqa: E731
        past = inside("past") or any(left <= s and e <= start for s, e in cues.get("past_lead", []))
        if not past and right < len(doc) and doc[right].norm_ in {",", "but"}:
            # "..., a decade ago", "... but that was years ago", "..., but that was years ago"
            after = right + 1
            if doc[right].norm_ == "," and after < len(doc) and doc[after].norm_ == "but":
                after += 1
            past = self._time_clause(doc, after, cues)
        if not past and inside("past_told_in_past"):
            past = any(doc[i].lower_ in _PAST_TENSE or doc[i].lower_.endswith("ed") for i in range(left, right))
        if not past:
            sentence_left, sentence_right = self._sentence_bounds(doc, start, end)
            past = any(sentence_left <= s and e <= sentence_right for s, e in cues.get("resolved", []))
        return past and not inside("recent")

    @staticmethod
    def _time_clause(doc, left: int, cues: Dict[str, List[Tuple[int, int]]]) -> bool:
        """The clause from `left` says only when: "had the dts once, a decade ago", "..., it's been 8 years since"."""
        right = left
        while right < len(doc) and doc[right].norm_ not in _PAST_SCOPE_BREAKS:
            right += 1
        if any(left <= s and e <= right for s, e in cues.get("recent", [])):
            return False
        for s, e in cues.get("past", []):
            if left <= s and e <= right and all(doc[i].lower_ in _TIME_FILLERS or doc[i].norm_ in _TIME_FILLERS
                                                for i in [*range(left, s), *range(e, right)]):
                return True
        return False

    def _program_question(self, doc, start: int, left: int, right: int,
                          cues: Dict[str, List[Tuple[int, int]]], takes_cues: bool = False) -> bool:
        """The phrase sits inside a question about the program or about people in general ("do you treat
        people who had suicidal thoughts?"), in the same sentence, after the question's frame, with no
        one named in between ("can you help, he's not breathing" is a disclosure, not a question)."""
        if not self._is_question(doc, left, right):
            return False
        # The writer asking about themselves ("what if i ...", "is there someone if i get ...") with timing
        # or means named ("... tonight", "... in my hand") is a disclosure after all.
        now = takes_cues and any(left <= s and e <= right for s, e in cues.get("imminent", []))
        for s, e in cues.get("program_question", []):
            if not (left <= s <= start and e <= right):
                continue
            writer = any(doc[i].norm_ in self._self_person for i in range(s, e))
            conditional = blocked = False
            for i in range(e, start):
                norm = doc[i].norm_
                if doc[i].lower_ in _CONDITIONAL or (norm == "case" and doc[i - 1].lower_ == "in"):
                    conditional = True  # "... if i get suicidal thoughts": a hypothetical
                elif norm in self._pq_blockers:
                    if conditional and norm in self._self_person:
                        writer = True
                        continue
                    blocked = True
                    break
            if blocked or (writer and now):
                continue
            return True
        return False

    @staticmethod
    def _is_question(doc, left: int, right: int) -> bool:
        if right < len(doc) and doc[right].norm_ == "?":
            return True
        first = True
        for i in range(left, right):
            token = doc[i]
            if first and token.lower_ in _QUESTION_OPENERS:
                return True
            if token.norm_ in {",", ";", ":", "-"}:
                first = True
            elif first and token.lower_ in _QUESTION_PREAMBLE:
                continue
            else:
                first = False
        return False

    def _negated(self, doc, start: int, end: Optional[int] = None) -> bool:
        """A negation shortly before the phrase, in the same clause, that really denies it. Four words back
        (more over a belief verb: "i don't think i'm ..."), or further when every word between only carries
        the negation on ("i haven't had any thoughts of ..."); "or" costs nothing ("no seizures or shakes")."""
        budget = _NEGATION_WINDOW
        emphatic = start > 0 and doc[start - 1].lower_ in _DEGREE_WORDS
        bridged = True  # every word so far only carries a negation on
        i = start - 1
        while i >= 0 and (budget > 0 or bridged) and start - i <= _NEGATION_REACH:
            token = doc[i]
            norm = token.norm_
            if norm in _CLAUSE_BREAKS:
                return False
            if norm in self._negation or self._denial_by_comparison(doc, i, start):
                after = doc[i + 1] if i + 1 < len(doc) else None
                after_norm = after.norm_ if after is not None and i + 1 < start else ""
                interjection = (token.lower_ in _INTERJECTION_NEGATIONS and after is not None
                                and after.lower_ in _NOT_A_DETERMINER)
                if after_norm not in _NEGATION_RELEASED_BY and not interjection and not (emphatic and norm == "never"):
                    return not self._undone_after(doc, end)
            elif norm in _BELIEF_VERBS:
                budget += _BELIEF_EXTRA
            elif norm in _SUBJECT_PRONOUNS and not (i > 0 and doc[i - 1].norm_ in _BELIEF_VERBS | {"like"}):
                return False
            if norm not in _NEGATION_BRIDGES and token.lower_ not in _NEGATION_BRIDGES:
                bridged = False
            i -= 1
            if norm not in _COORDINATORS:
                budget -= 1
        return False

    @staticmethod
    def _denial_by_comparison(doc, i: int, start: int) -> bool:
        """"nothing like hearing voices", the screen's mental-health question answered: "nothing like" denies what
        follows. "Nothing" alone does not ("nothing but the urge to ...", "nothing to live for")."""
        return doc[i].lower_ == "nothing" and i + 1 < start and doc[i + 1].lower_ == "like"

    @staticmethod
    def _undone_after(doc, end: Optional[int]) -> bool:
        """"never wanted to die until tonight": the clause after the phrase takes the negation back."""
        if end is None:
            return False
        i = end
        while i < len(doc) and doc[i].norm_ not in _SENTENCE_BREAKS and i < end + 6:
            if doc[i].lower_ in _UNDOING_AFTER:
                return True
            i += 1
        return False

    def _subject(self, doc, hit: Hit, cues: Dict[str, List[Tuple[int, int]]]) -> Tuple[str, int]:
        """Who one phrase is about, the writer ("self") or someone else ("other"), and how plainly:
        2 when the rule or the phrase says so ("kill me", "myself"), 1 when a person is named before it
        ("my friend ..."), 0 when only a pronoun is ("he ...", "i ...")."""
        rule = self._rules[hit.rule]
        if rule.get("subject") in ("self", "other", UNCLEAR):
            return rule["subject"], 2
        left, right = self._sentence_bounds(doc, hit.start, hit.end)
        # The writer as the one it is done to: "... pulled a knife on me", "kill me", "kms".
        clause_end = hit.end
        while clause_end < right and doc[clause_end].norm_ not in _CLAUSE_BREAKS:
            clause_end += 1
        if any(doc[i].norm_ in _SELF_OBJECT for i in range(hit.start, clause_end)):
            return "self", 2
        # Otherwise the nearest person named before the phrase, in the same sentence ("my son ... wants to
        # die", "i scratch my arms till they bleed"). "my" alone is not the writer ("at my work").
        other_spans = [(s, e) for s, e in cues.get("other_subject", []) if left <= s <= hit.start]

        def named(i: int) -> Optional[int]:
            spans = [(s, e) for s, e in other_spans if s <= i < e]
            if not spans:
                return None
            return 1 if any(doc[j].norm_ not in _PRONOUNS for s, e in spans for j in range(s, e)) else 0

        if named(hit.start) is not None:  # the phrase opens with the person: "he won't wake up"
            return "other", named(hit.start)
        for i in range(hit.start - 1, left - 1, -1):
            if named(i) is not None:
                return "other", named(i)
            if doc[i].norm_ in _SELF_SUBJECT:
                return "self", 0
        span_norms = {t.norm_ for t in doc[hit.start:hit.end]}
        if span_norms & _SELF_SUBJECT:
            return "self", 2
        if span_norms & _OTHER_SUBJECT:
            return "other", 0
        return "self", 0


_default: Optional[RiskDetector] = None


def default_detector() -> RiskDetector:
    """One detector per process, on the project's own spaCy pipeline."""
    global _default
    if _default is None:
        from bot.core.nlp.spacy_pipeline import load

        _default = RiskDetector(load())
    return _default
