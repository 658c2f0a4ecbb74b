"""Reading an answer to "Are you safe right now?" after a crisis reply.

Only an explicit, positive statement of safety counts as safe ("yes", "yes im safe", "I'm ok now", "my son
is safe, the ambulance came"). A negation is not safe; a hedge, a contradiction, sarcasm, a bare "ok" or
anything else is unclear, and the bot treats unclear like not safe: the numbers again, a person brought in.
Taking the message back ("jk", "never mind") and practical obstacles (no car, no naloxone, alone, cannot
call) are read beside the verdict. Words, not a model: this decision has to be exact and reviewable.
A new risk signal in the answer is not judged here: the risk detector escalates it again.
`read_direct` reads the answer to the ask-directly tier's question ("are you thinking about ending your
life?"), where "no" is the reassuring answer and "yes" confirms the risk.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

SAFE, NOT_SAFE, UNCLEAR = "safe", "not_safe", "unclear"
NEEDS = ("transport", "naloxone", "cannot_call", "alone")


@dataclass(frozen=True)
class SafetyAnswer:
    kind: str  # SAFE, NOT_SAFE or UNCLEAR
    retract: bool = False  # takes the earlier message back ("jk", "i didn't mean it")
    need: Optional[str] = None  # one of NEEDS: a practical obstacle to getting help


def _rx(pattern: str) -> "re.Pattern[str]":
    return re.compile(pattern, re.IGNORECASE)


# A state that counts as safe when someone states it of themselves or the person at risk.
_STATE = (r"(?:safe|ok|okay|okey|oki|fine|alright|all right|good|out of danger|no longer in danger|"
          r"not in danger)")
_SUBJECT = (r"(?:i\s*'?\s*m|i am|am|we\s*'?\s*re|we are|were|he\s*'?\s*s|hes|he is|she\s*'?\s*s|shes|she is|"
            r"they\s*'?\s*re|theyre|they are|is|are|feel|feeling|both|everyone|everybody|all)")
_SAFE_STATEMENT = _rx(rf"\b{_SUBJECT}\b(?:\s+[\w']+){{0,3}}?\s+{_STATE}\b")
# The same in Spanish: "estoy bien", "ya estamos a salvo", "me siento segura", "está fuera de peligro".
_STATE_ES = r"(?:bien|a salvo|segur[oa]s?|tranquil[oa]s?|fuera de peligro|sin peligro|safe|ok|okay)"
_SUBJECT_ES = (r"(?:estoy|toy|stoy|estamos|est[áa]|est[áa]n|me siento|nos sentimos|se siente|se sienten|"
               r"me encuentro|se encuentra)")
# The state must end the statement: "bien" is also "very" ("estoy bien mal", "estoy bien borracho" say the
# opposite), so only punctuation, an emoji, the end or a few harmless words may follow it.
_SAFE_STATEMENT_ES = _rx(rf"\b{_SUBJECT_ES}\s+(?:ya\s+|muy\s+|bastante\s+|totalmente\s+)?{_STATE_ES}"
                         r"(?=\s*$|\s*[^\w\s]|\s+(?:gracias|ya|ahora|ahorita|aqu[íi]|con|en|porque)\b)")
# "safe", "safe now", "yes safe", "all safe", "safe and sound" on their own.
_SHORT_SAFE = _rx(r"^(?:(?:yes|yeah|yea|ya|yep|yup)\s+)?(?:all\s+|totally\s+|completely\s+)?safe"
                  r"(?:\s+and sound)?$")
# A bare yes answers the question asked; "ok" alone only acknowledges it.
_BARE_YES = _rx(r"^(?:yes+|ye+s|yeah+|yea|ya|yah|yep|yup|ys|affirmative|i am|we are|he is|she is|they are|"
                r"yes i am|yes we are|yes he is|yes she is|yes they are|yeah i am|yeah we are|i am yes|"
                r"s[íi]+|sip|s[íi] s[íi]|claro|claro que s[íi]|s[íi] estoy|s[íi] estamos|s[íi] se[ñn]ora?|"
                r"s[íi] se[ñn]or)$")
_FILLER = _rx(r"\b(?:thank you so much|thank you|thanks so much|thanks|thank u|thx|ty|now|rn|right now|"
              r"at the moment|for sure|really|i promise|promise|ma'?am|sir|dear|"
              r"muchas gracias|gracias|ahora|ahorita|ya|en este momento|de verdad|se lo prometo|lo prometo)\b")

# Negations of safety, and plain no's.
_NEGATED = _rx(r"\b(?:not|never|dont|don'?t|do not|doesnt|doesn'?t|does not|isnt|isn'?t|is not|arent|"
               r"aren'?t|are not|cant|can'?t|cannot|wont|won'?t|aint|ain'?t|hardly|barely|no longer|nowhere near)"
               r"\b(?:\s+[\w']+){0,3}?\s+(?:safe|ok|okay|fine|alright|all right|good)\b")
_UNSAFE = _rx(r"\bunsafe\b|(?<!not )(?<!no longer )(?<!out of )\bin danger\b|\bnot really\b|\bnot rly\b|"
              r"\bnot at all\b|\bcan'?t promise\b|\bcannot promise\b|\bcant promise\b|\bdon'?t think so\b|"
              r"\bdont think so\b|\bi'?m afraid not\b|\bim afraid not\b|\bnot exactly\b|\bnot yet\b")
# "no estoy bien", "ya no me siento segura", "nada bien", "en peligro" (not "fuera de peligro").
_NEGATED_ES = _rx(rf"\bno\s+(?:me\s+|nos\s+|se\s+)?(?:estoy|toy|stoy|estamos|est[áa]|est[áa]n|siento|sentimos|"
                  rf"siente|encuentro|encuentra)\b(?:\s+[\w']+){{0,2}}?\s+{_STATE_ES}|\bnada bien\b|"
                  r"(?<!fuera de )(?<!sin )\ben peligro\b|\bpara nada\b|\bno creo\b|\btodav[íi]a no\b|\bno mucho\b")
_LEADING_NO = _rx(r"^(?:no+|nope|nah|naw|nay|negative|not)\b")
_NO_ANSWER = _rx(r"\b(?:no+|nope|nah)\b\s*(?:[.,!;:?]|$)")

# Hedges, conditions, deflection and sarcasm: none of them is a statement of safety.
_HEDGE = _rx(
    r"\b(?:i guess|i suppose|suppose so|i think|i believe|i hope|hopefully|maybe|perhaps|probably|prob|"
    r"kind of|kinda|sort of|sorta|for now|for the moment|for tonight|so far|at least|mostly|more or less|"
    r"somewhat|i'?d say|ish|idk|i don'?t know|i dont know|dunno|not sure|unsure|hard to say|enough|"
    r"as safe as|as ok as|should be|i'?ll be|ill be|i will be|will be|gonna be|going to be|we'?ll see|"
    r"whatever|who cares|why do you care|does it matter|i mean|technically|physically|i'?m managing|"
    r"oh sure|yeah right|totally|sure sure|lol|lmao|haha|/s|"
    # Spanish: "creo que sí", "más o menos", "por ahora", "supongo", "no sé", "ojalá", "jaja".
    r"creo|supongo|tal vez|quiz[áa]s?|a lo mejor|m[áa]s o menos|no s[ée]|quien sabe|qui[ée]n sabe|por ahora|"
    r"por el momento|por hoy|por esta noche|espero|ojal[áa]|se supone|jaja\w*|ja ja|como sea|qu[ée] importa|"
    r"de momento|casi|medio|un poco)\b")
_CONTRAST = _rx(r"\b(?:but|except|although|though|unless|until|pero|aunque|excepto|salvo que|a menos que|"
                r"hasta que|sino)\b")
_ASKS_IF_SAFE = _rx(rf"\b{_STATE}\s*\?")

_RETRACT = _rx(
    r"\bj\s*/?\s*k\b|\bjust (?:kidding|joking)\b|\b(?:was|were|i'?m|im|i am|only|just)\s+(?:only\s+|just\s+)?"
    r"(?:joking|kidding)\b|\b(?:a|just a|only a|bad|stupid|dumb) joke\b|\bnever\s*mind\b|\bnvm\b|\bnevermind\b|"
    r"\bn/m\b|\bdidn'?t mean (?:it|that|what)\b|\bdidnt mean\b|\bdid not mean\b|\bforget (?:it|what i|that|i said|"
    r"about it|my)\b|\bdisregard\b|\bignore (?:my|that|what|the|me)\b|\btake (?:it|that) back\b|"
    r"\bscratch that\b|\bwasn'?t (?:being )?serious\b|\bwasnt (?:being )?serious\b|\bnot being serious\b|"
    r"\bwas not (?:being )?serious\b|\boverreact(?:ed|ing)\b|\bexaggerat(?:ed|ing)\b|\bmeant for (?:someone|"
    r"somebody|my|another|a friend)\b|\bwrong (?:person|number|chat)\b|\bfigure of speech\b|"
    # Spanish: "era broma", "no lo dije en serio", "olvídalo", "me equivoqué de número".
    r"\b(?:era|es|fue) (?:una |solo una |s[óo]lo una )?broma\b|\bbromeando\b|\bbromeaba\b|"
    r"\bno (?:lo )?(?:dije|dec[íi]a|hablaba|era) en serio\b|\bolv[íi]d(?:alo|elo|enlo|a lo que|e lo que)\b|"
    r"\bno me hagan? caso\b|\bme equivoqu[ée] de (?:n[úu]mero|persona|chat)\b|\bn[úu]mero equivocado\b|"
    r"\bexager[ée]\b|\bexagerando\b|\bbromita\b|\bignor[ae]n? (?:lo que|mi|el|eso)\b|\bfue un error\b|"
    r"\bno fui yo\b|\bno lo escrib[íi] yo\b")

_NEED_PATTERNS = {
    "transport": _rx(
        r"\b(?:no|don'?t have (?:a|any)|dont have (?:a|any)|do not have (?:a|any)|without (?:a|any)|"
        r"haven'?t got (?:a|any)|have no)\s+(?:car|ride|rides|transportation|transport|vehicle|way to get)|"
        r"\bcan'?t drive\b|\bcant drive\b|\bcannot drive\b|\bdon'?t drive\b|\bdo not drive\b|"
        r"\bno way (?:of getting|to get)\b|\b(?:can'?t|cant|cannot) get (?:him |her |them |myself )?(?:to|there)\b|"
        r"\btook the (?:only )?car\b|\bno bus\b|\brepossessed\b|\b(?:my )?car (?:is )?(?:broke|broken|dead)\b|"
        r"\bno tengo (?:carro|coche|auto|carro|ride|raite|transporte|c[óo]mo llegar|c[óo]mo ir|en qu[ée] ir)\b|"
        r"\bsin (?:carro|coche|auto|transporte)\b|\bno (?:s[ée] |puedo )?manejar\b|\bno manejo\b|"
        r"\bno (?:hay|tengo) c[óo]mo llegar\b|\bno (?:hay|pasa) (?:bus|cami[óo]n|autob[úu]s)\b|"
        r"\bnadie (?:me|nos) (?:puede|pueden|va a) llevar\b|\bno hay qui[ée]n (?:me|nos) (?:lleve|d[ée] (?:raite|ride))\b"),
    "naloxone": _rx(
        r"\b(?:no|don'?t have|dont have|do not have|out of|ran out of|haven'?t got|without|any)\s+(?:any\s+)?"
        r"(?:narcan|naloxone|nalox)\b|\b(?:narcan|naloxone)\b.*\b(?:where|none|don'?t have|dont have|no)\b|"
        r"\bwhere (?:can|do) (?:i|we) get (?:some )?(?:narcan|naloxone)\b|"
        r"\b(?:no tengo|no tenemos|sin|no hay|se (?:me |nos )?acab[óo] (?:el |la )?)\s*(?:narcan|naloxona)\b|"
        r"\bd[óo]nde (?:consigo|consigu[oa]|puedo conseguir|hay) (?:narcan|naloxona)\b"),
    "cannot_call": _rx(
        r"\b(?:can'?t|cant|cannot|can not|unable to)\s+(?:call|talk|speak|make (?:a )?(?:phone )?call|"
        r"manage a (?:voice |phone )?call|use the phone|dial)\b|\bno minutes\b|\bout of minutes\b|"
        r"\b(?:he|she|they|someone|somebody)(?:'d| would| will| might| could| can| is gonna)? hear\b|"
        r"\bphone (?:is )?(?:dead|broken|off|cut off|dying)\b|\bno phone\b|\bhard of hearing\b|\bdeaf\b|"
        r"\btext only\b|\bonly text\b|\bkeep texting\b|"
        r"\bno puedo (?:llamar|hablar|marcar|hacer (?:una )?llamada)\b|\bsin (?:saldo|minutos|cr[ée]dito|bater[íi]a)\b|"
        r"\bse (?:me )?(?:est[áa] )?(?:muriendo|acabando|muere|acaba) (?:el|la) (?:tel[ée]fono|cel|celular|bater[íi]a|pila)\b|"
        r"\bme (?:va|van|podr[íi]a|podr[íi]an) (?:a )?(?:o[íi]r|escuchar)\b|"
        r"\bno tengo (?:saldo|minutos|tel[ée]fono|cr[ée]dito)\b|"
        r"\bsolo (?:puedo )?(?:escribir|textear|mandar mensajes)\b"),
    "alone": _rx(
        r"\b(?:i'?m|im|i am)\s+(?:all\s+|completely\s+|totally\s+)?(?:alone|by myself|on my own)\b|"
        r"\b(?:nobody|no one|noone)(?:'s| is)?\s+(?:here|with me|around|home|else)\b|\blive alone\b|"
        r"\ball alone\b|\bby myself\b|"
        r"\b(?:estoy|toy|me qued[ée]|vivo)\s+(?:completamente\s+|muy\s+)?sol[oa]\b|"
        r"\bno (?:hay|tengo a) nadie\b|\bnadie (?:est[áa] )?(?:conmigo|aqu[íi]|en (?:la )?casa)\b"),
}


def _normalise(text: str) -> str:
    text = (text or "").replace("\u2019", "'").replace("\u2018", "'").lower()
    return re.sub(r"\s+", " ", text).strip()


def _bare(text: str) -> str:
    """The message without thanks, 'now' and punctuation or emoji, to see if anything else was said."""
    text = _FILLER.sub(" ", text)
    text = re.sub(r"[^\w\s']", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def read(text: str) -> SafetyAnswer:
    """How a message answers "Are you safe right now?"."""
    low = _normalise(text)
    need = next((name for name in NEEDS if _NEED_PATTERNS[name].search(low)), None)
    retract = bool(_RETRACT.search(low))
    if not low or low.startswith("/"):
        return SafetyAnswer(UNCLEAR, need=need)
    if _NEGATED.search(low) or _UNSAFE.search(low) or _NEGATED_ES.search(low):
        return SafetyAnswer(NOT_SAFE, need=need)
    if (_NO_ANSWER.search(low) or _LEADING_NO.search(low)) and not retract:
        # "no, i'm safe" contradicts itself: not taken as safe. Beside a retraction, "no" takes it back.
        return SafetyAnswer(NOT_SAFE, need=need)
    sentences = [_bare(part) for part in re.split(r"[.!?;\n]+", low)]
    stated = bool(_SAFE_STATEMENT.search(low) or _SAFE_STATEMENT_ES.search(low) or _BARE_YES.match(_bare(low))
                  or any(_SHORT_SAFE.match(part) for part in sentences))
    if stated and not (_HEDGE.search(low) or _CONTRAST.search(low) or _ASKS_IF_SAFE.search(low)):
        return SafetyAnswer(SAFE, retract=retract, need=need)
    return SafetyAnswer(UNCLEAR, retract=retract, need=need)


# A plain denial of the direct question, on its own.
_DIRECT_NO = _rx(r"^(?:no+|nope|nah|naw|no no|no i'?m not|no im not|no i am not|no we'?re not|no we are not|"
                 r"no he'?s not|no she'?s not|no they'?re not|no one is|nobody is|not at all|of course not|"
                 r"god no|hell no|no way|absolutely not|definitely not|never|not me|nothing like that|"
                 r"no(?: i was)? just asking|no just a question|no not at all|no not like that|no sorry|"
                 r"no that'?s not what i meant|no thats not what i meant|"
                 r"para nada|claro que no|nada de eso|no para nada|no nada de eso|no no|de ninguna manera|jam[áa]s|"
                 r"nunca|no se[ñn]ora?|no gracias|no estoy pensando en eso|no pienso en eso|no solo preguntaba|"
                 r"no s[óo]lo preguntaba|no era (?:solo )?una pregunta|no nada|no nada que ver|nop|nel|negativo|"
                 r"negative|nah nah|q va|qu[ée] va|nada que ver|nada q ver)$")
_DIRECT_YES = _rx(r"^(?:yes+|yeah+|yea|ya|yep|yup|i am|i do|we are|he is|she is|they are|maybe|sometimes|"
                  r"a little|kind of|kinda|sort of|i think so|i guess|honestly yes|yes i am|yeah i am|"
                  r"s[íi]+|sip|a veces|un poco|la verdad s[íi]|creo que s[íi]|tal vez|quiz[áa]s?|m[áa]s o menos|"
                  r"s[íi] a veces|s[íi] un poco|s[íi] la verdad|a ratos|de vez en cuando|s[íi] lo he pensado)$")


_DIRECT_DENIAL = _rx(r"\b(?:not|never|nothing like that|no one|nobody)\b.{0,20}\b(?:thinking|thought|suicidal|"
                     r"in danger|hurt|hurting|sick|like that)\b|\bnot suicidal\b|"
                     r"\b(?:no|nunca|jam[áa]s)\b.{0,20}\b(?:pienso|pensando|pensado|quiero (?:morir|hacerme)|"
                     r"har[íi]a|nada de eso)\b")
_LEADING_DENIAL = _rx(r"^(?:no+|nope|nop|nah|naw|nel|negativo|negative|para nada)\b[\s,.!]*")
# After a denial, an explanation that is itself a denial: asking for someone else or for information. Anything
# else after the "no" ("nah, just tired of everything", "nope, just done with all of it") is read as an answer
# about safety, and unclear gets the full crisis reply: the risk detector does not catch every such line.
_ONLY_ASKING = _rx(r"^(?:i was |i'?m |im |was )?(?:just |only |solo |s[óo]lo )?(?:asking|preguntaba|preguntando|"
                   r"pregunt[ée]|quer[íi]a (?:saber|informaci[óo]n)|estaba preguntando|necesitaba informaci[óo]n)"
                   r"(?:\s+(?:for|about|por|para|sobre)\s+(?:a |an |my |una |un |mi |el |la |the )?[\w']+(?:\s+[\w']+)?)?$|"
                   r"^(?:nada que ver|nada q ver|q va|qu[ée] va|tranqui|tranquilo|tranquila|todo bien)$")


def read_direct(text: str) -> SafetyAnswer:
    """How a message answers a direct question about risk: "no" (nothing like that) is safe."""
    low = _normalise(text)
    need = next((name for name in NEEDS if _NEED_PATTERNS[name].search(low)), None)
    retract = bool(_RETRACT.search(low))
    bare = _bare(low)
    hedged = bool(_HEDGE.search(low) or _CONTRAST.search(low))
    rest = _LEADING_DENIAL.sub("", low)
    explained = rest != low and rest and (_DIRECT_NO.match(_bare(rest)) or _ONLY_ASKING.match(_bare(rest))
                                          or read(rest).kind == SAFE)
    if _DIRECT_NO.match(bare) or (not hedged and (_DIRECT_DENIAL.search(low) or explained)):
        return SafetyAnswer(SAFE, retract=retract, need=need)
    if _DIRECT_YES.match(bare):
        return SafetyAnswer(NOT_SAFE, need=need)
    return read(text)
