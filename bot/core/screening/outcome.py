"""The one place that decides the screening's suggestion, along the six ASAM dimensions (DOMAIN.md).

Pure: answers in, outcome and reasons out. The reasons are said in the sentences below (REASONS, with
ALSO_DISCUSS for the questions answered "not sure"; in Spanish REASONS_ES, QUESTION_NAMES_ES and
ALSO_DISCUSS_ES): `details()` puts them, in the conversation's language, into the outcome's response,
utter_screening_result_<outcome> in domain.yml, which holds the headline and the disclaimer. Every outcome
is a suggestion for a conversation with the admissions team, never a diagnosis; suicidal thoughts are never
a screening result (the risk detector escalates them before any answer is stored).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

OUTCOMES = ("detox_first", "higher_level_of_care", "iop_may_fit", "outpatient_may_fit")
YES, NO, UNSURE = "yes", "no", "unsure"
SEDATIVES = {"alcohol", "benzodiazepines"}  # withdrawal from these can cause seizures

# The questions, in order; each answer is one of the values in ANSWER_VALUES.
QUESTIONS = ("substances", "frequency", "withdrawal", "medical", "mental_health", "commitment", "relapse", "home")
ANSWER_VALUES = {
    "frequency": ("daily", "weekly", "less_often", UNSURE),
    "home": ("safe", "unsafe", UNSURE),
}

REASONS = {
    "withdrawal": "You said you get withdrawal symptoms when you cut down or stop.",
    "daily_sedative": "Daily alcohol or sedative use can cause dangerous withdrawal.",
    "withdrawal_unsure": "You weren't sure about withdrawal symptoms, and you use alcohol or sedatives daily.",
    "medical": "You mentioned a serious or unstable medical problem.",
    "mental_health": "You mentioned severe or unstable mental-health symptoms.",
    "relapse": "You said it has been hard to stay stopped, even with outpatient care.",
    "home": "Your home may not be safe or free of alcohol and drugs.",
    "mild_use": "Your use is less than daily, with no withdrawal and a stable situation.",
    "time": "About 9 hours a week may be hard for you to fit in right now.",
    "more_than_weekly": "You may need more support than a weekly session, while living at home.",
}

# The questions answered "not sure", named in ALSO_DISCUSS.
QUESTION_NAMES = {"frequency": "how often you use", "withdrawal": "withdrawal", "medical": "your health",
                  "mental_health": "mental health", "commitment": "your time", "relapse": "past treatment",
                  "home": "your home"}
ALSO_DISCUSS = "We can also talk about {questions}."

# The same sentences in Spanish (usted, the same meaning; to be reviewed by a fluent speaker and a clinician),
# for a conversation whose `language` slot is "es". One table per language, keyed as the English ones.
REASONS_ES = {
    "withdrawal": "Usted dijo que tiene síntomas de abstinencia cuando consume menos o deja de consumir.",
    "daily_sedative": "Tomar alcohol o sedantes todos los días puede causar una abstinencia peligrosa.",
    "withdrawal_unsure": "Usted no estaba seguro de tener síntomas de abstinencia, y toma alcohol o sedantes "
                         "todos los días.",
    "medical": "Usted mencionó un problema médico grave o inestable.",
    "mental_health": "Usted mencionó síntomas de salud mental graves o inestables.",
    "relapse": "Usted dijo que le ha costado mantenerse sin consumir, incluso con tratamiento ambulatorio.",
    "home": "Puede que su casa no sea segura o libre de alcohol y drogas.",
    "mild_use": "Usted consume menos que a diario, sin abstinencia y con una situación estable.",
    "time": "Puede que ahora le sea difícil dedicar unas nueve horas a la semana.",
    "more_than_weekly": "Puede que necesite más apoyo que una sesión a la semana, mientras vive en su casa.",
}
QUESTION_NAMES_ES = {"frequency": "con qué frecuencia consume", "withdrawal": "la abstinencia",
                     "medical": "su salud", "mental_health": "la salud mental", "commitment": "su tiempo",
                     "relapse": "tratamientos anteriores", "home": "su casa"}
ALSO_DISCUSS_ES = "También podemos hablar de {questions}."

LANGUAGES = ("en", "es")
REASONS_BY_LANGUAGE = {"en": REASONS, "es": REASONS_ES}
QUESTION_NAMES_BY_LANGUAGE = {"en": QUESTION_NAMES, "es": QUESTION_NAMES_ES}
ALSO_DISCUSS_BY_LANGUAGE = {"en": ALSO_DISCUSS, "es": ALSO_DISCUSS_ES}


@dataclass(frozen=True)
class Outcome:
    outcome: str
    reasons: List[str] = field(default_factory=list)  # keys of REASONS, most important first
    to_discuss: List[str] = field(default_factory=list)  # questions answered "not sure"


def decide(answers: Dict[str, Optional[str]]) -> Outcome:
    """Decide from the answers; a missing answer counts as "not sure"."""
    get = lambda key: answers.get(key) or UNSURE  # noqa: E731
    substances = set((answers.get("substances") or "").split(",")) - {""}
    daily = get("frequency") == "daily"
    unsure = [q for q in QUESTIONS if q != "substances" and get(q) == UNSURE]

    # 1. Withdrawal potential: medical withdrawal care first.
    detox = []
    if get("withdrawal") == YES:
        detox.append("withdrawal")
    if daily and substances & SEDATIVES:
        detox.append("daily_sedative" if get("withdrawal") != UNSURE else "withdrawal_unsure")
    if detox:
        return Outcome("detox_first", detox, unsure)

    # 2, 3, 5, 6. Medical, mental health, relapse, recovery environment: more structure than IOP.
    higher = [key for key, bad in (("medical", get("medical") == YES), ("mental_health", get("mental_health") == YES),
                                   ("relapse", get("relapse") == YES), ("home", get("home") == "unsafe")) if bad]
    if higher:
        return Outcome("higher_level_of_care", higher, unsure)

    # Mild use with nothing else going on: standard outpatient may be enough.
    settled = all(get(q) in (NO, "safe") for q in ("withdrawal", "medical", "mental_health", "relapse", "home"))
    if get("frequency") in ("weekly", "less_often") and settled:
        return Outcome("outpatient_may_fit", ["mild_use"], unsure)
    # 4. Readiness: IOP asks about 9 hours a week.
    if get("commitment") == NO:
        return Outcome("outpatient_may_fit", ["time"], unsure)
    return Outcome("iop_may_fit", ["more_than_weekly"], unsure)


def details(result: Outcome, language: str = "en") -> str:
    """The sentences that go into the result's {details}: the reasons, then the questions left "not sure".

    `language` is the conversation's ("es" or "en", contract.conversation_language); anything else is English.
    """
    language = language if language in LANGUAGES else "en"
    reasons, names = REASONS_BY_LANGUAGE[language], QUESTION_NAMES_BY_LANGUAGE[language]
    lines = [reasons[r] for r in result.reasons]
    if result.to_discuss:
        lines.append(ALSO_DISCUSS_BY_LANGUAGE[language].format(
            questions=", ".join(names[q] for q in result.to_discuss)))
    return " ".join(lines)
