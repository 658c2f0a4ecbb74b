"""Reading screening answers as people write them: buttons, SMS numbers, or free text.

Each function returns a value from outcome.ANSWER_VALUES (or yes/no/unsure), or None when the text does
not answer the question, so the form can ask once more with examples.
"""
from __future__ import annotations

import re
from typing import List, Optional

from bot.core.screening.outcome import NO, UNSURE, YES

_WORD = re.compile(r"[a-z0-9'áéíóúñü]+")

# Names of substances, street, generic and brand, as a clinician would group them. Sleep medicines
# (z-drugs, "sleeping pills") count with the benzodiazepines: the same withdrawal risk decides detox-first.
# Multi-word names are matched as phrases; "pills" alone means opioids only when no other pill is named.
SUBSTANCE_WORDS = {
    "alcohol": ["alcohol", "drink", "drinking", "drinks", "drinker", "beer", "beers", "wine", "vodka", "whiskey",
                "whisky", "liquor", "booze", "fifth", "fifths", "shots", "tequila", "rum", "gin", "bourbon", "scotch",
                "brandy", "cognac", "seltzers", "hard seltzer", "white claw", "handle", "moonshine", "margaritas",
                "cocktails", "cerveza", "cervezas", "vino", "trago", "tragos", "licor", "ipa", "ipas", "lager"],
    "benzodiazepines": ["xanax", "bars", "benzo", "benzos", "klonopin", "klonopins", "valium", "ativan",
                        "benzodiazepines", "benzodiazepine", "alprazolam", "clonazepam", "diazepam", "lorazepam",
                        "temazepam", "restoril", "librium", "chlordiazepoxide", "halcion", "triazolam", "xannies",
                        "xans", "zannies", "ambien", "zolpidem", "lunesta", "eszopiclone", "sonata",
                        "sleeping pills", "sleeping pill", "sleep pills", "sleep meds", "sleeping meds",
                        "nerve pills", "tranquilizers"],
    "opioids": ["heroin", "fentanyl", "fent", "oxy", "oxys", "oxycodone", "oxycontin", "percs", "perc", "percocet",
                "percocets", "opioids", "opioid", "opiates", "opiate", "dope", "methadone", "vicodin", "kratom",
                "suboxone", "subutex", "buprenorphine", "subs", "tramadol", "morphine", "hydrocodone", "norco",
                "norcos", "lortab", "dilaudid", "hydromorphone", "codeine", "lean", "opana", "oxymorphone", "roxy",
                "roxies", "roxicodone", "m30", "m30s", "smack", "tapentadol", "nucynta", "pain pills",
                "painkillers", "pain killers", "pain meds", "heroína", "heroina", "fentanilo", "opioides", "opiáceos",
                "opiaceos", "metadona", "morfina", "analgésicos", "analgesicos"],
    "stimulants": ["meth", "methamphetamine", "crystal", "coke", "cocaine", "crack", "blow", "adderall",
                   "vyvanse", "ritalin", "amphetamine", "amphetamines", "speed", "ice", "molly", "ecstasy", "mdma",
                   "uppers", "bath salts", "cristal", "coca", "perico", "cocaína", "cocaina", "estimulantes",
                   "metanfetamina", "anfetaminas", "piedra"],
    "cannabis": ["weed", "marijuana", "marihuana", "pot", "cannabis", "edibles", "thc", "dabs", "vape", "carts",
                 "ganja", "joints", "blunts", "mota", "hierba", "delta 8", "gummies", "porro", "porros"],
    "other": ["gabapentin", "neurontin", "lyrica", "pregabalin", "ketamine", "lsd", "acid", "mushrooms",
              "shrooms", "psilocybin", "inhalants", "huffing", "gambling", "soma", "carisoprodol", "dxm",
              "robitussin", "spice", "k2", "pcp", "ghb", "nitrous"],
}
_PHRASES = {name: [k for k in keys if " " in k] for name, keys in SUBSTANCE_WORDS.items()}
_NUMBERED = {"1": YES, "2": NO, "3": UNSURE}
_YES = {"yes", "yeah", "yea", "ya", "yep", "yup", "sure", "definitely", "absolutely", "y", "correct", "true",
        "sometimes", "kinda", "somewhat", "often", "always", "si", "sí", "ok", "okay"}
_NO = {"no", "nope", "nah", "never", "n", "not", "none", "nothing", "false", "nunca", "nada", "tampoco"}
_UNSURE_PHRASES = ("not sure", "idk", "i dont know", "i don't know", "dunno", "unsure", "maybe", "no idea",
                   "not really sure", "hard to say", "skip", "no sé", "tal vez", "quizás", "quizas", "a lo mejor",
                   "no estoy seguro", "no estoy segura")
# "no se" without its accent is "I don't know" only alone or at the end ("no se me quita" is not unsure).
_NO_SE = re.compile(r"^no se$|\bno se[.!?]*$")


def words(text: str) -> List[str]:
    return _WORD.findall((text or "").lower().replace("’", "'"))


def yes_no(text: str) -> Optional[str]:
    low = (text or "").strip().lower()
    if low in _NUMBERED:
        return _NUMBERED[low]
    if any(p in low for p in _UNSURE_PHRASES) or _NO_SE.search(" ".join(words(low))):
        return UNSURE
    ws = words(low)
    if not ws:
        return None
    if ws[0] in _NO or "don't" in ws[:3] or "dont" in ws[:3] or "haven't" in ws[:3] or "havent" in ws[:3]:
        return NO
    if ws[0] in _YES or any(w in _YES for w in ws[:2]):
        return YES
    return None


_EXACT_YES = {"yes", "yeah", "yea", "ya", "yep", "yup", "y", "sure", "definitely", "absolutely", "correct", "si",
              "sí", "yes please", "yes i can", "i can", "right", "thats right", "that's right", "exactly",
              "can do", "i could", "yes i could", "i can do that", "i can do it", "doable", "that works",
              "works for me", "sure can", "claro", "claro que sí", "claro que si", "sí puedo", "si puedo",
              "sí claro", "si claro", "así es", "asi es", "correcto", "exacto", "sí es correcto", "si es correcto",
              "sí señor", "sí señora"}
_EXACT_NO = {"no", "nope", "nah", "n", "never", "none", "no never", "not at all", "no thanks", "no i cant",
             "no i can't", "not really", "nothing", "thats wrong", "that's wrong", "wrong", "nunca", "no nunca",
             "para nada", "no gracias", "no no", "no puedo", "nada", "no es correcto", "no es así", "no es asi"}
_EXACT_UNSURE = {"not sure", "idk", "i dont know", "i don't know", "dunno", "unsure", "maybe", "no idea", "skip",
                 "im not sure", "i'm not sure", "not really sure", "hard to say", "i guess so maybe", "no sé", "no se",
                 "tal vez", "quizás", "quizas", "a lo mejor", "no estoy seguro", "no estoy segura", "no lo sé",
                 "no lo se", "no sé bien", "puede ser"}
# A yes or a no with the question's verb echoed ("ya i did", "yes i have", "nope i haven't", "no it isn't") is as
# plain as the bare word. The answer models read such short echoes from their few words and got them wrong ("ya i
# did" to "have you gone back to using?" was read as no, 0.72; development set blind27), so they are read exactly.
_SUBJECT = r"(?:i|we|he|she|they|it)"
_ECHO_YES = re.compile(rf"^(?:yes|yeah|yea|ya|yep|yup|y|si|sí|sure)(?: {_SUBJECT}(?: really)? "
                       r"(?:did|do|does|have|has|had|am|is|was|were|can|could|will|would))?$")
_ECHO_NO = re.compile(rf"^(?:no|nope|nah|n)(?: {_SUBJECT}(?: (?:did|do|does|have|has|had|am|is|was|were|can|could|"
                      r"will|would) not| (?:didn't|didnt|don't|dont|doesn't|doesnt|haven't|havent|hasn't|hasnt|"
                      r"hadn't|hadnt|isn't|isnt|wasn't|wasnt|weren't|werent|can't|cant|couldn't|couldnt|won't|wont|"
                      r"wouldn't|wouldnt)|'m not)| im not)?$")
_FREQUENCY_CHOICES = {"every day": "daily", "everyday": "daily", "daily": "daily", "a few times a week": "weekly",
                      "some days each week": "weekly", "weekly": "weekly", "once a month": "less_often",
                      "less often": "less_often", "monthly": "less_often",
                      # Spanish
                      "todos los días": "daily", "todos los dias": "daily", "diario": "daily",
                      "a diario": "daily", "diariamente": "daily", "cada día": "daily", "cada dia": "daily",
                      "cada noche": "daily", "todas las noches": "daily", "casi todos los días": "daily",
                      "casi todos los dias": "daily", "fines de semana": "weekly", "los fines de semana": "weekly",
                      "unas veces por semana": "weekly", "unas veces a la semana": "weekly",
                      "algunas veces por semana": "weekly", "algunos días cada semana": "weekly",
                      "dos veces por semana": "weekly", "dos veces a la semana": "weekly",
                      "una vez por semana": "weekly", "una vez a la semana": "weekly", "cada semana": "weekly",
                      "una vez al mes": "less_often", "de vez en cuando": "less_often", "casi nunca": "less_often",
                      "menos seguido": "less_often", "rara vez": "less_often"}
# Plain Spanish answers to the home question ("sí" and "no" are read as for every question).
_HOME_CHOICES = {"sí es seguro": "safe", "si es seguro": "safe", "sí es segura": "safe", "si es segura": "safe",
                 "es seguro": "safe", "es segura": "safe", "no es seguro": "unsafe", "no es segura": "unsafe",
                 "no no es seguro": "unsafe", "no no es segura": "unsafe", "mi pareja bebe": "unsafe",
                 "alguien usa drogas": "unsafe"}


def exact(text: str, question: Optional[str] = None) -> Optional[str]:
    """A button, an SMS number or a bare yes / no / not sure, read exactly; None for any other words.

    `question` is the screen's question (its value set differs: frequency, home); None reads a yes or no
    reply to a confirmation. Substances are named, never a yes or no: always None.
    """
    low = " ".join(_WORD.findall((text or "").lower().replace("’", "'")))
    if not low or question == "substances":
        return None
    if question == "frequency":
        numbered = {"1": "daily", "2": "weekly", "3": "less_often", "4": UNSURE}
        if low in numbered or low in _FREQUENCY_CHOICES:
            return numbered.get(low) or _FREQUENCY_CHOICES[low]
        return UNSURE if low in _EXACT_UNSURE else None
    if question == "home" and low in _HOME_CHOICES:
        return _HOME_CHOICES[low]
    answer = _NUMBERED.get(low)
    if answer is None:
        answer = YES if low in _EXACT_YES else NO if low in _EXACT_NO else UNSURE if low in _EXACT_UNSURE else None
    if answer is None:
        answer = YES if _ECHO_YES.match(low) else NO if _ECHO_NO.match(low) else None
    if question == "home" and answer is not None:
        return {YES: "safe", NO: "unsafe", UNSURE: UNSURE}[answer]
    return answer


def withdrawal(text: str) -> Optional[str]:
    """'yeah i get the shakes bad when i stop' -> yes; 'no shakes or sweats' -> no."""
    answer = yes_no(text)
    if answer is not None:
        return answer
    ws = set(words(text))
    if ws & {"shakes", "shaky", "shaking", "sweats", "sweating", "seizure", "seizures", "dts", "tremors", "sick",
             "hallucinate", "hallucinations", "withdrawal", "withdrawals", "jittery", "dopesick", "cramps",
             "temblores", "tiemblo", "tiemblan", "tiembla", "sudores", "convulsiones", "convulsión", "convulsion",
             "alucinaciones", "abstinencia", "malilla"}:
        return YES
    return None


def substances(text: str) -> Optional[str]:
    ws = words(text)
    joined = " ".join(ws)
    found = [name for name, keys in SUBSTANCE_WORDS.items()
             if any(k in ws for k in keys) or any(re.search(rf"\b{re.escape(k)}\b", joined) for k in _PHRASES[name])]
    pill_classes = {"benzodiazepines", "opioids", "stimulants", "other"}
    if not pill_classes.intersection(found) and re.search(r"\b(prescription|pain) (pills|meds)\b|\bpills\b|\bpastillas\b",
                                                          joined):
        found.append("opioids")
    return ",".join(found) if found else (UNSURE if yes_no(text) == UNSURE else None)


# How often, in the order they are tried: English first, then Spanish; within each, the most frequent first.
_FREQUENCIES = [(value, re.compile(pattern)) for value, pattern in (
    ("daily", r"\b(every ?day|daily|every night|each night|nightly|all day|most days|most nights|"
              r"a night|a day|per day|per night|everyday|every morning|all the time|constantly|"
              r"\d+ ?(x|times) a day|round the clock)\b"),
    ("weekly", r"\b(weekends?|a week|per week|times a week|couple times|few times|on fridays|"
               r"saturdays|weekly|every other day|twice a week|once a week|binge)\b"),
    ("less_often", r"\b(a month|monthly|rarely|once in a while|occasionally|now and then|special occasions|"
                   r"parties|not often|hardly)\b"),
    ("daily", r"\b(todos los d[ií]as|a diario|diario|diariamente|cada d[ií]a|cada noche|todas las noches|"
              r"todo el d[ií]a|al d[ií]a|por d[ií]a|todas las mañanas)\b"),
    ("weekly", r"\b(fines? de semana|veces (por|a la) semana|vez (por|a la) semana|cada semana|semanal|"
               r"los (viernes|sábados|sabados))\b"),
    ("less_often", r"\b(al mes|por mes|cada mes|de vez en cuando|casi nunca|rara vez|en fiestas|pocas veces)\b"),
)]


def frequency(text: str) -> Optional[str]:
    low = " ".join(words(text))
    if low in ("1", "2", "3", "4"):
        return {"1": "daily", "2": "weekly", "3": "less_often", "4": UNSURE}[low]
    for value, pattern in _FREQUENCIES:
        if pattern.search(low):
            return value
    if any(p in low for p in _UNSURE_PHRASES) or _NO_SE.search(low):
        return UNSURE
    return None


def home(text: str) -> Optional[str]:
    """The question asks whether home is safe and free of others' drinking or drug use."""
    low = " ".join(words(text))
    if re.search(r"\b(roommate|husband|wife|boyfriend|girlfriend|partner|mom|dad|parents|brother|sister|"
                 r"everyone|people|they|he|she|friends?)\b.*\b(uses?|using|drinks?|drinking|gets high|smokes?|"
                 r"deals?|parties)\b", low):
        return "unsafe"
    if re.search(r"\b(not safe|unsafe|homeless|couch|shelter|street|car|kicked out|abusive|dangerous)\b", low):
        return "unsafe"
    # Spanish: someone at home drinks or uses; home is not safe.
    if re.search(r"\b(pareja|esposo|esposa|marido|novio|novia|mamá|mama|papá|papa|padres|hermanos?|hermanas?|"
                 r"compañer[oa]s? de cuarto|roommate|amigos?|amigas?|alguien|hijos?|hijas?)\b.*"
                 r"(?<!\bno )(?<!\bnunca )(?<!\bnadie )\b(bebe|beben|toma|toman|usa|usan|consume|consumen|fuma|fuman|"
                 r"vende|venden|se droga|se drogan)\b", low):
        return "unsafe"
    if re.search(r"\b(no es segur[oa]|no está segur[oa]|insegur[oa]|peligros[oa]|en la calle|sin casa|"
                 r"en un albergue|en mi carro|en el carro|me echaron)\b", low):
        return "unsafe"
    answer = yes_no(text)
    if answer == YES or re.search(r"\b(safe|live alone|supportive|sober house|sober living|no one uses|"
                                  r"nobody uses|vivo sol[oa]|nadie (bebe|toma|usa|consume))\b|"
                                  r"(?<!si )\bes segur[oa]\b", low):
        return "safe"
    if answer == NO:
        return "unsafe"
    if answer == UNSURE:
        return UNSURE
    return None
