"""A small guess at whether a message is in Spanish: the bot then answers in Spanish where it can (the crisis
replies, the crisis follow-up, the handoff, the fallbacks: domain.yml's variations with condition language = es)."""
import re
from typing import Optional

_SPANISH = {
    "quiero", "tengo", "estoy", "está", "esta", "mi", "mis", "me", "no", "ya", "que", "por", "favor", "ayuda",
    "morir", "vivir", "pastillas", "hermano", "hermana", "mamá", "papá", "esposo", "esposa", "pecho", "puedo",
    "noche", "dejé", "tomé", "todas", "muchas", "cuando", "hace", "días", "más", "cosas", "para", "el", "la",
    "los", "las", "una", "un", "de", "con", "sin", "pero", "hijo", "hija", "mucho", "hola", "gracias",
    "habla", "hablar", "español", "cuánto", "cuanto", "cuesta", "aceptan", "seguro", "médico", "buenas",
    "buenos", "tardes", "busco", "tratamiento", "programa", "necesito", "información", "adicción", "drogas",
    "dónde", "donde", "cómo", "como", "qué", "quién", "trabajo", "trabajar", "familia", "alguien",
    "muy", "triste", "adiós", "adios", "siento", "soy", "yo", "usted", "ustedes", "miedo", "nadie", "nada",
    "ahora", "hoy", "mañana", "también", "porque", "beber", "tomar", "llamar", "llamen", "entiendo", "inglés",
    "hablo", "hablan", "perdón", "disculpe", "bien", "mal", "sola", "solo", "sé", "puede", "pueden",
    "matar", "matarme", "suicidar", "suicidarme", "despertar", "dormir", "corté", "cortar", "sangre", "nunca",
    "ayúdame", "ayudame", "ayúdenme", "ayudenme", "auxilio", "socorro", "urgente",
}
_ENGLISH_HINTS = {"i", "my", "the", "and", "is", "you", "to", "it", "of", "im", "a", "do", "does", "what", "how",
                  "can", "take", "your", "for", "in", "on", "lol"}


# Spanish words that English messages use too ("no shakes, no sweats", "text me", "yo"): they count only
# beside a word that is Spanish alone ("me quiero morir" is Spanish, "no, nobody is threatening me" is not).
_BOTH = {"no", "me", "solo", "a", "yo", "nada"}


def looks_spanish(text: str) -> bool:
    words = re.findall(r"[a-záéíóúñü]+", (text or "").lower())
    if not words:
        return False
    found = {w for w in words if w in _SPANISH or w in _BOTH}
    if not found - _BOTH:
        return False
    spanish = len(found)
    english = sum(w in _ENGLISH_HINTS for w in words)
    marked = any(ch in text for ch in "ñ¿¡áéíóú")
    # "hola", "gracias", "ayuda", "socorro" on their own: every word Spanish, one of them a real word (not
    # "mi", "la" or "el", which also turn up in English as abbreviations).
    only_spanish = all(w in _SPANISH for w in words) and any(len(w) >= 4 for w in found - _BOTH)
    return (spanish >= 2 and spanish > english or marked and spanish >= 1 and spanish > english
            or only_spanish)


def language_of(text: str) -> Optional[str]:
    """"es" for a message that reads as Spanish, "en" for one with English words in it, None for one too short
    or too bare to tell ("sí", "ok", "911", "kms"): the conversation keeps the language it had."""
    if looks_spanish(text):
        return "es"
    words = re.findall(r"[a-záéíóúñü']+", (text or "").lower())
    return "en" if any(w in _ENGLISH_HINTS for w in words) else None
