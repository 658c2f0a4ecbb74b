"""A small guess at whether a message is in Spanish, to add 988's Spanish option to crisis replies."""
import re

_SPANISH = {
    "quiero", "tengo", "estoy", "está", "esta", "mi", "mis", "me", "no", "ya", "que", "por", "favor", "ayuda",
    "morir", "vivir", "pastillas", "hermano", "hermana", "mamá", "papá", "esposo", "esposa", "pecho", "puedo",
    "noche", "dejé", "tomé", "todas", "muchas", "cuando", "hace", "días", "más", "cosas", "para", "el", "la",
    "los", "las", "una", "un", "de", "con", "sin", "pero", "hijo", "hija", "mucho", "hola", "gracias",
}
_ENGLISH_HINTS = {"i", "my", "the", "and", "is", "you", "to", "it", "of", "im", "a"}


def looks_spanish(text: str) -> bool:
    words = re.findall(r"[a-záéíóúñü]+", (text or "").lower())
    if not words:
        return False
    spanish = sum(w in _SPANISH for w in words)
    english = sum(w in _ENGLISH_HINTS for w in words)
    return spanish >= 2 and spanish > english or any(ch in text for ch in "ñ¿¡") and spanish >= 1
