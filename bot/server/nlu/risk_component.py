"""The risk detector as a Rasa NLU component: runs on every message, last, and its verdict wins.

It sits after DIET, the ResponseSelector and the FallbackClassifier so nothing can overwrite it:
- the detector fires: the intent becomes `risk_<category>` with confidence 1.0;
- only the classifier (the second net) says `risk_<category>`: that stands, with urgency "urgent", when
  its confidence reaches `classifier_threshold` and the detector did not read the same words as an idiom,
  a negation, a resolved past event or a question about the program; otherwise the next non-risk intent
  is used (a statistical guess alone must not put a crisis card on "do you punish relapses?");
- neither fired: the learned risk model (bot/server/nlu/risk_model_component.py, `risk_model` in the parse) escalates
  at `model_escalate` with its own category, and from `model_check` asks directly (intent `risk_check`, urgency
  "check": the ask-directly tier); not where the rules read the words as an idiom, a negation, a resolved
  past event or a question about the program (the rules are the overrides), unless the model is all but certain
  (`model_overrules_set_aside`): one phrase set aside must not silence a crisis told beside it;
- while the screen asks a question about history (seizures when stopping, home safety, ...), a reading of the
  category that question asks about, told as history and not as happening now, is an answer: intent `inform`,
  `risk.screen_history` says what was set aside (bot/core/risk/screen_context.py decides; Rasa passes the tracker);
- a message of many words on which only rules marked `corroborate` fired (rules.yml) and that the learned model
  reads as plainly ordinary is not escalated: below `corroborate_below` when it says nothing is happening now, below
  the far lower `corroborate_now_below` when it does; `risk.uncorroborated` names the rules;
- every parse carries a `risk` entry (the verdict) that actions read from `tracker.latest_message`, and a
  risk message carries the entities risk_category, risk_urgency and risk_subject, which fill the slots
  that `utter_crisis` is rendered with by the Rasa server itself.
"""
from __future__ import annotations

import re
import unicodedata

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.contract import (CHECK_INTENT, CRISIS_FOLLOWUP_FORM, CRISIS_SAFETY_SLOT, RISK_CATEGORY,  # noqa: F401
                               RISK_INTENT_PREFIX, RISK_KEY, RISK_MODEL_KEY,
                               RISK_SUBJECT, RISK_URGENCY)
from bot.core.risk.detector import UNCLEAR, RiskDetector, default_detector, rules_fingerprint
from bot.core.risk import safety_answer
from bot.core.risk.model import subject_of
from bot.core.risk.screen_context import ANSWER_INTENT, is_asked_history, question_asked, requested_in

FALLBACK_INTENT = "nlu_fallback"


def risk_intent(category: str) -> str:
    return f"{RISK_INTENT_PREFIX}{category}"



_WORD = re.compile(r"\w+(?:'\w+)?")
# Articles, pronouns, conjunctions, prepositions and forms of "be" only. Not a general stop-word list: those
# hold "give", "up", "done", "alone", "never", "nothing", "empty", "enough", "cry", and "i give up", "i am
# done" or "never again" must still reach the model and the classifier.
FUNCTION_WORDS = frozenset(
    "a an the and or but so if then also as of to in on at for with by from about into this that these those "
    "i me my he him his she her it its we us our they them their you your "
    "is am are was were be been being".split())


def has_content(text: str) -> bool:
    """Whether a message has a word beyond function words. "and", "he" or "my" alone scored as a crisis with
    the learned model and the classifier (13 of 318 such words did): their weights come from the long
    messages they sit in, not from the word. The rules still read every message."""
    text = text or ""
    if any(unicodedata.category(ch).startswith("S") and ch not in "$+<=>^`|~" for ch in text):
        return True  # an emoji or another symbol is content ("💊💊", "🔫")
    return any(word not in FUNCTION_WORDS for word in _WORD.findall(text.lower()))


# Words beyond a danger without a name from which the model's category is taken ("i dont feel safe right now" has
# two: the rules' category stays).
UNNAMED_CONTEXT = 4


def asked_are_you_safe(tracker: Optional[DialogueStateTracker]) -> bool:
    """Whether the message answers the crisis follow-up's "Are you safe right now?" (the conversation as it was)."""
    return requested_in(tracker, CRISIS_FOLLOWUP_FORM) == CRISIS_SAFETY_SLOT


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RiskSignalDetector(GraphComponent):
    """Deterministic risk detection (bot/core/risk/rules.yml) that overrides the statistical classifier."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"classifier_threshold": 0.7, "model_escalate": 0.8, "model_check": 0.5,
                "corroborate_below": 0.0, "corroborate_now_below": 0.0, "corroborate_min_words": 12,
                "model_overrules_set_aside": 2.0}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # The rules live outside the graph: a change to them must invalidate cached training results.
        return rules_fingerprint()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RiskSignalDetector":
        return cls(default_detector(), config.get("classifier_threshold", 0.7), config.get("model_escalate", 0.8),
                   config.get("model_check", 0.5), config.get("corroborate_below", 0.0),
                   config.get("corroborate_min_words", 12), config.get("corroborate_now_below", 0.0),
                   config.get("model_overrules_set_aside", 2.0))

    def __init__(self, detector: RiskDetector, classifier_threshold: float = 0.7, model_escalate: float = 0.8,
                 model_check: float = 0.5, corroborate_below: float = 0.0, corroborate_min_words: int = 12,
                 corroborate_now_below: float = 0.0, model_overrules_set_aside: float = 2.0) -> None:
        self.detector = detector
        self.classifier_threshold = classifier_threshold
        self.model_escalate, self.model_check = model_escalate, model_check
        self.corroborate_below, self.corroborate_min_words = corroborate_below, corroborate_min_words
        self.corroborate_now_below = corroborate_now_below
        self.model_overrules_set_aside = model_overrules_set_aside

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        # Rasa hands NLU components the conversation as it was before the message (`tracker`): the screen
        # question being answered decides whether history it asks for is an answer (bot/core/risk/screen_context.py).
        question = question_asked(tracker)
        asked_if_safe = asked_are_you_safe(tracker)
        for message in messages:
            self._process_one(message, question, asked_if_safe)
        return messages

    def _process_one(self, message: Message, question: Optional[str] = None, asked_if_safe: bool = False) -> None:
        text = message.get(TEXT) or ""
        verdict = self.detector.detect(text)
        risk = {**verdict.as_dict(), "source": "detector" if verdict.is_risk else None}
        intent = message.get(INTENT) or {}
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        quiet = bool(verdict.set_aside or verdict.mention)  # the rules read the risk words as harmless here
        if verdict.is_risk and self._contradicted(verdict, message.get(RISK_MODEL_KEY) or {}, text):
            risk.update(is_risk=False, category=None, urgency=None, subject=None, source=None,
                        also=[], uncorroborated=risk.pop("rules"), rules=[])
            quiet = True

        # The rules' only reading is a danger without a name ("i'm not safe"): the reply names every danger. The
        # model's category for those words alone is a guess (it read "i dont feel safe" as an overdose); told
        # with more ("no im not safe, my dealer is outside with his boys") it reads the rest of the message.
        unnamed = risk["is_risk"] and risk.get("subject") == UNCLEAR
        if risk["is_risk"]:
            category = verdict.category
            if not unnamed or len(text.split()) - sum(len(h.text.split()) for h in verdict.hits) >= UNNAMED_CONTEXT:
                category = self._category(verdict.category, message.get(RISK_MODEL_KEY) or {})
            if category != verdict.category:
                # The rules' category stays among the reply's lines, unless it only stood in for a danger unnamed.
                also = set(risk.get("also") or []) | (set() if unnamed else {verdict.category})
                risk.update(category=category, rules_category=verdict.category, also=sorted(also))
            name = risk_intent(category)
            self._set_intent(message, name, [r for r in ranking if r.get(INTENT_NAME_KEY) != name])
        elif str(intent.get(INTENT_NAME_KEY) or "").startswith(RISK_INTENT_PREFIX):
            confident = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0) >= self.classifier_threshold
            if quiet or not confident or not has_content(text) or self._doubts_classifier(message):
                # The detector understood the risk words as harmless here; take the best other intent.
                rest = [r for r in ranking
                        if not str(r.get(INTENT_NAME_KEY)).startswith(RISK_INTENT_PREFIX)
                        and r.get(INTENT_NAME_KEY) != FALLBACK_INTENT]
                if rest:
                    message.set(INTENT, rest[0], add_to_output=True)
                    message.set(INTENT_RANKING_KEY, rest, add_to_output=True)
                risk["classifier_overruled"] = intent.get(INTENT_NAME_KEY)
                if not rest:
                    message.set(INTENT, {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0},
                                add_to_output=True)
            else:
                category = str(intent[INTENT_NAME_KEY])[len(RISK_INTENT_PREFIX):]
                risk.update(is_risk=True, category=category, urgency="urgent", subject=None,
                            source="classifier")
        if not risk["is_risk"] and has_content(text) and (not quiet or self._overrules(verdict, message)):
            self._apply_model(message, risk, ranking)
            if quiet and risk["is_risk"]:
                risk["model_overruled"] = sorted(set(verdict.set_aside)) or ["program_question"]
        if (risk["is_risk"] and asked_if_safe and (risk["source"] in ("model", "classifier") or unnamed)
                and safety_answer.read(text).kind == safety_answer.NOT_SAFE):
            # "I don't feel safe" answers "Are you safe right now?": the follow-up reads it (911 and 988 again, the
            # person called in as imminent). The learned models read it as a new crisis of some category, and the
            # reply for that category ("An overdose can get worse fast", 911 only) was the wrong answer to it;
            # the rules read it as a danger without a name (rules.yml danger.unnamed), which the follow-up is
            # already asking about. The rules still escalate anything new they name in the answer.
            self._as_answer(message, risk, ranking, "followup_answer", answer=safety_answer.NOT_SAFE)
        if risk["is_risk"] and is_asked_history(question, [risk["category"], *(risk.get("also") or [])],
                                                verdict.timing):
            self._as_answer(message, risk, ranking, "screen_history", question=question)
        message.set(RISK_KEY, risk, add_to_output=True)
        if risk["is_risk"]:
            self._set_entities(message, risk, len(text))

    def _as_answer(self, message: Message, risk: Dict[str, Any], ranking: List[Dict[str, Any]], note: str,
                   **said: Any) -> None:
        """A risk reading that answers what the bot just asked: not a crisis; `risk[note]` says what was set aside
        and the intent is the answer intent the form reads."""
        risk.update(is_risk=False, **{note: {**said, "category": risk["category"], "source": risk["source"]}})
        self._set_intent(message, ANSWER_INTENT,
                         [r for r in ranking if not str(r.get(INTENT_NAME_KEY)).startswith(RISK_INTENT_PREFIX)
                          and r.get(INTENT_NAME_KEY) not in (FALLBACK_INTENT, ANSWER_INTENT)])

    def _doubts_classifier(self, message: Message) -> bool:
        """The intent classifier named a crisis that neither the rules nor the learned model see: the model scores
        the message under `model_check`, where it would not even ask. The classifier learned the crisis intents from
        a few hundred short examples and reads words, not what is said of them: "im mad at myself" (the gate set's
        one classifier false alarm), "took my pills, all good", "no one hits me. my home is quiet" (0.17-0.34). On
        the 21 development sets every crisis the classifier caught scored 0.57 or more (README, "Session 13")."""
        score = (message.get(RISK_MODEL_KEY) or {}).get("score")
        return score is not None and float(score) < self.model_check

    def _contradicted(self, verdict: Any, scored: Dict[str, Any], text: str) -> bool:
        """Only rules marked `corroborate` fired, on a message long enough for the model to read in context, and the
        model scored it below `corroborate_below` where the hits' sentences say nothing is happening now
        (Verdict.weak_and_not_now), or below `corroborate_now_below` where they do: the rules' lone hit is set aside.
        A missing score never sets anything aside. The "now" bar is far lower because the detector's "now" is any
        present-tense marker ("safe now", "today"), and a real crisis told in the present sits close to it: "the
        dts are starting i can feel it, last time i ended up in the icu" scored 0.03."""
        score = scored.get("score")
        if not (verdict.is_risk and verdict.needs_corroboration) or score is None:
            return False
        below = self.corroborate_below if verdict.weak_and_not_now else self.corroborate_now_below
        return float(score) < below and len(text.split()) >= self.corroborate_min_words

    def _overrules(self, verdict: Any, message: Message) -> bool:
        """The rules read a phrase as harmless here (a negation, an idiom, the past, a program question) and the
        learned model is all but certain the message is a crisis: the model is heard. One phrase set aside used to
        silence the whole message: "Not suicidal. But I have a razor blade out and I'm about to cut. Need help not
        to." (the negation of suicide), "narcan did nothing. hes still not breathing right. were in the stairwell of
        the dorm" ("not" before "breathing"), "he says he'll kill me if I leave. still living with him" (an idiom's
        words) all scored 1.0 and got no crisis reply. A lone weak hit the model contradicted (`_contradicted`) is
        never overruled: there the model said "ordinary". Short messages are heard too since the model reads negation
        (bot/core/risk/model.mark_negation): short denials were mostly the denied words ("i dont think im suicidal"
        1.0, "i'm not going to kill myself" 0.97) and now score 0.45 and 0.41, while short crises beside a phrase set
        aside score 0.99-1.0 ("narcan did nothing. hes still not breathing right", "dad said he'll kill me when i get
        home. im 15"). Until session 13 a message under 12 words was never overruled: on the folds that guard lost
        two crises and spared no ordinary message, on the development sets and the gate set it changes nothing."""
        scored = message.get(RISK_MODEL_KEY) or {}
        if not (verdict.set_aside or verdict.mention) or verdict.is_risk:
            return False
        return float(scored.get("score") or 0.0) >= self.model_overrules_set_aside

    def _category(self, rules_category: str, scored: Dict[str, Any]) -> str:
        """Where the rules and a sure model both see a risk, the model names it: on leave-one-writer-out
        cross-validation of data/risk the model's category was right 88% of the time, the rules' 86%
        (`python -m tools.risk_cv`). The rules' category stays among the "also" lines of the reply."""
        if float(scored.get("score") or 0.0) >= self.model_escalate and scored.get("category"):
            return str(scored["category"])
        return rules_category

    def _apply_model(self, message: Message, risk: Dict[str, Any], ranking: List[Dict[str, Any]]) -> None:
        """The learned model's verdict where the rules said nothing: escalate, or ask directly."""
        scored = message.get(RISK_MODEL_KEY) or {}
        score, category = float(scored.get("score") or 0.0), scored.get("category")
        if not category or score < self.model_check:
            return
        urgent = score >= self.model_escalate
        risk.update(is_risk=True, category=category, urgency="urgent" if urgent else "check",
                    subject=subject_of(message.get(TEXT) or ""), source="model")
        name = risk_intent(category) if urgent else CHECK_INTENT
        self._set_intent(message, name, [r for r in ranking if r.get(INTENT_NAME_KEY) != name])

    def _set_entities(self, message: Message, risk: Dict[str, Any], length: int) -> None:
        values = {RISK_CATEGORY: risk["category"], RISK_URGENCY: risk["urgency"],
                  RISK_SUBJECT: risk.get("subject") or "self"}
        kept = [e for e in message.get(ENTITIES) or [] if e.get(ENTITY_ATTRIBUTE_TYPE) not in values]
        for entity, value in values.items():
            kept.append({ENTITY_ATTRIBUTE_TYPE: entity, ENTITY_ATTRIBUTE_VALUE: value, ENTITY_ATTRIBUTE_START: 0,
                         ENTITY_ATTRIBUTE_END: length, ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
                         EXTRACTOR: type(self).__name__})
        message.set(ENTITIES, kept, add_to_output=True)

    @staticmethod
    def _set_intent(message: Message, name: str, rest: List[Dict[str, Any]]) -> None:
        top = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top] + rest, add_to_output=True)
