"""Finding a second question in one message ("how much is it and do you take medicaid?").

The topic selector answers the message's main topic. This splits the message into question segments, and
names the topic of each extra segment, so the bot can answer it too or, when the topic is unclear, say that it
answered one question and ask for the other. The topic of a segment is the topic model's reading of that
segment alone, scored by the NLU (`faq_segments` in the parse, bot/server/nlu/linear_components.py) when it is sure
(SEGMENT_CONFIDENCE); otherwise a small keyword table, where exactly one topic's words must appear.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

# The topic model's reading of a segment on its own counts from this probability (chosen on the development
# FAQ sets' two-question messages, README "Language understanding"); below it, the keyword table decides.
SEGMENT_CONFIDENCE = 0.6
SEGMENTS_KEY = "faq_segments"
# Where a parse keeps the response selector's choice: {"faq": {"response": {"intent_response_key": "faq/cost"}}}
# (Rasa's names; "default" when the selector was trained without a retrieval intent).
SELECTOR_KEY, SELECTOR_PREDICTION, INTENT_RESPONSE = "response_selector", "response", "intent_response_key"
# The name of each topic inside a sentence ("I answered the question about {topic_name}"), in each language.
TOPIC_NAMES: Dict[str, Dict[str, str]] = {
    "insurance": {"en": "insurance", "es": "el seguro"},
    "cost": {"en": "cost", "es": "el costo"},
    "duration": {"en": "how long the program lasts", "es": "cuánto dura el programa"},
    "schedule": {"en": "the schedule", "es": "el horario"},
    "working_during_iop": {"en": "working during the program", "es": "trabajar durante el programa"},
    "relapse": {"en": "relapse", "es": "las recaídas"},
    "detox_first": {"en": "detox", "es": "la desintoxicación"},
    "what_is_iop": {"en": "what IOP is", "es": "qué es un IOP"},
    "levels_of_care": {"en": "levels of care", "es": "los niveles de atención"},
    "first_week": {"en": "the first week", "es": "la primera semana"},
    "therapies": {"en": "the therapies", "es": "las terapias"},
    "mat": {"en": "medication", "es": "los medicamentos"},
    "family": {"en": "family", "es": "la familia"},
    "virtual": {"en": "the virtual option", "es": "la opción virtual"},
    "confidentiality": {"en": "privacy", "es": "la privacidad"},
    "location": {"en": "where we are", "es": "dónde estamos"},
    "age_limits": {"en": "age limits", "es": "las edades"},
    "start_date": {"en": "when you can start", "es": "cuándo puede empezar"},
    "session_length": {"en": "how long each session lasts", "es": "cuánto dura cada sesión"},
    "what_to_bring": {"en": "what to bring", "es": "qué traer"},
}
Scored = Dict[str, Sequence]  # segment -> [topic, probability], as the NLU puts it in the parse

TOPIC_WORDS = {
    "insurance": ["insurance", "medicaid", "medicare", "masshealth", "aetna", "cigna", "blue cross", "bcbs",
                  "tricare", "coverage", "covered", "cover it", "united", "my plan", "in network"],
    "cost": ["cost", "price", "how much", "afford", "pay ", "paying", "payment", "sliding scale", "expensive",
             "fee", "free", "$"],
    "duration": ["how long is the program", "how long does it last", "how many weeks", "how many months",
                 "how long will", "how long do i", "how long until"],
    "schedule": ["schedule", "the hours", "what hours", "evening", "morning", "afternoon", "weekend", "what days", "what times",
                 "what time", "hours a week", "days a week", "nights", "night groups"],
    "working_during_iop": ["keep working", "keep my job", "my job", "still work", "go to work", "school",
                           "take time off"],
    "relapse": ["relapse", "use again", "slip up", "slipped"],
    "detox_first": ["detox"],
    "what_is_iop": ["what is iop", "what is an iop", "what's iop", "whats iop", "what does iop mean"],
    "levels_of_care": ["php", "residential", "inpatient", "partial hospital"],
    "first_week": ["first week", "first day", "intake", "orientation"],
    "therapies": ["therapy", "therapies", "cbt", "dbt", "counseling", "groups like"],
    "mat": ["suboxone", "subutex", "methadone", "vivitrol", "naltrexone", "buprenorphine", "medication",
            "meds for"],
    "family": ["family", "my wife", "my husband", "my parents", "loved one", "relatives"],
    "virtual": ["virtual", "online", "zoom", "telehealth", "video", "from home"],
    "confidentiality": ["confidential", "private", "privacy", "my employer", "my boss", "find out", "records"],
    "location": ["where are you", "where is the", "address", "located", "directions", "parking", "bus "],
    "age_limits": ["how old", "age limit", "minimum age", "teenager", "teens", "minors", "under 18", "too old"],
    "start_date": ["waitlist", "wait list", "how soon", "next opening", "start this week", "start next week"],
    "session_length": ["how long is each", "how long is a session", "how long are the groups",
                       "how long is group", "each session", "per session"],
    "what_to_bring": ["bring", "what to wear", "what should i wear"],
}
_SPLIT = re.compile(r"\?+|\s+(?:and also|also|plus|and|oh and|btw)\s+(?=(?:do|does|is|are|can|could|will|would|"
                    r"how|what|when|where|which|who|why|any)\b)", re.IGNORECASE)
# How a question opens, after an optional lead-in ("btw, do you ..."): the one pattern the FAQ follow-up and
# the screen's reader use.
QUESTION_START = re.compile(r"^\W*(?:and |also |so |btw |oh and |plus )?(?:do|does|did|is|are|can|could|will|would|"
                            r"should|how|what|whats|what's|when|where|which|who|why|any|u got|you got)\b",
                            re.IGNORECASE)


def chosen_topic(selectors: Optional[Dict]) -> str:
    """The FAQ topic a parse's response selector chose ("faq/cost" -> "cost"), or "" when it chose none."""
    chosen = (selectors or {}).get("faq") or (selectors or {}).get("default") or {}
    key = str((chosen.get(SELECTOR_PREDICTION) or {}).get(INTENT_RESPONSE) or "")
    return key.split("/", 1)[1] if "/" in key else ""


def topic_name(topic: str, language: str = "en") -> str:
    """A topic's name for a sentence, in the conversation's language (English when it has no such name)."""
    names = TOPIC_NAMES.get(topic, {})
    return names.get(language) or names.get("en") or topic.replace("_", " ")


def is_question(text: str) -> bool:
    """Whether a message is phrased as a question: a question mark, or a question's opening words."""
    return "?" in (text or "") or bool(QUESTION_START.match((text or "").strip()))


def question_segments(text: str) -> List[str]:
    parts = [p.strip(" ,.;!") for p in _SPLIT.split(text or "")]
    return [p for p in parts if len(p.split()) >= 2]


def candidate_segments(text: str) -> List[str]:
    """Every piece of a message whose topic the bot may look up: its question segments and its question
    sentences. The NLU scores these (when there are two or more), the actions read them back by text."""
    found = question_segments(text) + question_sentences(text)
    return list(dict.fromkeys(found)) if len(found) > 1 else []


def question_sentences(text: str) -> List[str]:
    sentences = (s.strip() for s in re.split(r"(?<=[.!?;\n])\s*", text or ""))
    return [s for s in sentences if s and (s.endswith("?") or QUESTION_START.match(s))]


# A message this long is read twice by the intent and topic models, whole and as its question sentences alone, and
# the two readings averaged: a long story with the question at its end ("My wife has bipolar disorder and ...
# Would she be in a group that understands that?") was read as fallback or by its story's words. Development FAQ
# sets (README, "Session 14"), right topic: blind23 87.3 -> 88.9%, blind22 95.0 -> 95.3%, no set lower.
FOCUS_WORDS = 25


def question_focus(text: str) -> Optional[str]:
    """The question sentences of a long message (FOCUS_WORDS words or more) that says more than them; else None."""
    if len((text or "").split()) < FOCUS_WORDS:
        return None
    questions = question_sentences(text)
    focus = " ".join(questions)
    return focus if questions and focus != text.strip() else None


def topic_of(segment: str, scored: Optional[Scored] = None) -> Optional[str]:
    """The segment's topic: the topic model's, when it scored this segment and is sure; else the one FAQ topic
    whose words appear in the segment, or None when none or several do."""
    reading = (scored or {}).get(segment)
    if reading and float(reading[1]) >= SEGMENT_CONFIDENCE and str(reading[0]) in TOPIC_WORDS:
        return str(reading[0])
    low = f" {segment.lower()} "
    found = [topic for topic, words in TOPIC_WORDS.items() if any(w in low for w in words)]
    return found[0] if len(found) == 1 else None


def first_asked(text: str, main: str, scored: Optional[Scored] = None) -> Optional[str]:
    """With two questions in a message, the topic of the one asked first when the topic model chose a later one
    as the message's topic ("Do you take Aetna? And how fast could I get in?" read as start_date): the answers
    then come in the order asked, the later one by action_answer_more. Only when the model is sure of the first
    segment on its own (SEGMENT_CONFIDENCE) and a later segment is the chosen topic; None otherwise."""
    segments = question_segments(text)
    if len(segments) < 2:
        return None
    reading = (scored or {}).get(segments[0])
    if not reading or float(reading[1]) < SEGMENT_CONFIDENCE or str(reading[0]) not in TOPIC_WORDS:
        return None
    first = str(reading[0])
    if first == main or not any(topic_of(segment, scored) == main for segment in segments[1:]):
        return None
    return first


def other_questions(text: str, answered: str, scored: Optional[Scored] = None) -> Tuple[List[str], int]:
    """After the `answered` topic: the other topics asked about, and how many other questions are unclear."""
    segments = question_segments(text)
    if len(segments) < 2:
        return [], 0
    clear: List[str] = []
    unclear = 0
    for segment in segments[1:] if topic_of(segments[0], scored) in (answered, None) else segments:
        topic = topic_of(segment, scored)
        if topic == answered:
            continue
        if topic is None:
            unclear += bool(QUESTION_START.match(segment))
        elif topic not in clear:
            clear.append(topic)
    return clear, unclear
