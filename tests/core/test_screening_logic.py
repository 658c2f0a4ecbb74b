"""The screening's outcome rule over every combination of answers, and reading answers from free text."""
import itertools

import pytest

from bot.core.screening import extract
from bot.core.screening.outcome import OUTCOMES, REASONS, decide

YNU = ("yes", "no", "unsure")
ALL = list(itertools.product(
    ("alcohol", "benzodiazepines", "opioids", "cannabis", "alcohol,stimulants", ""),  # substances
    ("daily", "weekly", "less_often", "unsure"),  # frequency
    YNU, YNU, YNU, YNU, YNU,  # withdrawal, medical, mental_health, commitment, relapse
    ("safe", "unsafe", "unsure"),  # home
))


def answers_of(combo):
    keys = ("substances", "frequency", "withdrawal", "medical", "mental_health", "commitment", "relapse", "home")
    return dict(zip(keys, combo, strict=True))


@pytest.mark.parametrize("chunk", range(8))
def test_every_combination_follows_the_asam_order(chunk):
    for combo in ALL[chunk::8]:
        a = answers_of(combo)
        result = decide(a)
        assert result.outcome in OUTCOMES and result.reasons and all(r in REASONS for r in result.reasons)
        sedative_daily = a["frequency"] == "daily" and ({"alcohol", "benzodiazepines"} & set(a["substances"].split(",")))
        detox = a["withdrawal"] == "yes" or bool(sedative_daily)
        higher = "yes" in (a["medical"], a["mental_health"], a["relapse"]) or a["home"] == "unsafe"
        mild = a["frequency"] in ("weekly", "less_often") and all(
            a[k] == "no" for k in ("withdrawal", "medical", "mental_health", "relapse")) and a["home"] == "safe"
        if detox:
            expected = "detox_first"
        elif higher:
            expected = "higher_level_of_care"
        elif mild or a["commitment"] == "no":
            expected = "outpatient_may_fit"
        else:
            expected = "iop_may_fit"
        assert result.outcome == expected, (a, result)
        assert result.to_discuss == [k for k in ("frequency", "withdrawal", "medical", "mental_health", "commitment",
                                                 "relapse", "home") if a[k] == "unsure"]


def test_missing_answers_count_as_not_sure():
    result = decide({})
    assert result.outcome == "iop_may_fit" and "withdrawal" in result.to_discuss


def test_reasons_name_every_higher_level_concern():
    result = decide({"substances": "opioids", "frequency": "daily", "withdrawal": "no", "medical": "yes",
                     "mental_health": "no", "commitment": "yes", "relapse": "yes", "home": "unsafe"})
    assert result.outcome == "higher_level_of_care" and result.reasons == ["medical", "relapse", "home"]


@pytest.mark.parametrize("text, expected", [
    ("yeah i get the shakes bad when i stop", "yes"),
    ("1", "yes"), ("2", "no"), ("3", "unsure"),
    ("nope", "no"), ("no shakes or sweats", "no"), ("idk honestly", "unsure"),
    ("i get really sick and sweaty", "yes"), ("what time is it", None),
])
def test_withdrawal_answers(text, expected):
    assert extract.withdrawal(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("like 6 beers a night", "daily"), ("every day", "daily"), ("most nights after work", "daily"),
    ("only on weekends but i binge hard", "weekly"), ("a few times a week", "weekly"),
    ("maybe once a month", "less_often"), ("1", "daily"), ("2", "weekly"), ("not sure", "unsure"),
    ("blue", None),
])
def test_frequency_answers(text, expected):
    assert extract.frequency(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("like 6 beers a night", "alcohol"), ("xanax most days", "benzodiazepines"),
    ("oxy and percs", "opioids"), ("weed and some coke on weekends", "stimulants,cannabis"),
    ("wine and xanax", "alcohol,benzodiazepines"), ("i'd rather not say, not sure", "unsure"), ("hello", None),
])
def test_substance_answers(text, expected):
    assert extract.substances(text) == expected


@pytest.mark.parametrize("text, expected", [
    # Generic and brand names a clinician groups together; sleep medicines with the benzodiazepines.
    ("her sleeping pills, lorazepam", "benzodiazepines"), ("restoril at night", "benzodiazepines"),
    ("ambien most nights", "benzodiazepines"), ("norco, more than prescribed", "opioids"),
    ("dilaudid", "opioids"), ("vyvanse that isn't mine", "stimulants"), ("just the gin", "alcohol"),
    ("cerveza y mota", "alcohol,cannabis"), ("pills n beer", "alcohol,opioids"),
    ("adderall pills", "stimulants"),  # "pills" means opioids only when no other pill is named
    ("me and my bud drink", "alcohol"), ("tina and i drink wine", "alcohol"),  # names and friends are not drugs
])
def test_substance_names_people_use(text, expected):
    assert extract.substances(text) == expected


@pytest.mark.parametrize("text", ["can do", "I could", "doable", "works for me", "claro que sí"])
def test_short_agreements_answer_yes(text):
    assert extract.exact(text, "commitment") == extract.YES


@pytest.mark.parametrize("text, question, expected", [
    ("ya i did", "relapse", "yes"), ("Yeah, I did.", "relapse", "yes"), ("yes i have", "medical", "yes"),
    ("yep it is", "home", "safe"), ("nope i havent", "relapse", "no"), ("No, I did not", "relapse", "no"),
    ("no im not", "mental_health", "no"), ("no it isn't", "home", "unsafe"),
    # More than the echo is read by the answer models and the word readers, not exactly.
    ("ya i did but only once", "relapse", None), ("no, but i get shaky", "withdrawal", None), ("i did", "relapse", None),
])
def test_a_yes_or_no_with_the_verb_echoed_is_read_exactly(text, question, expected):
    assert extract.exact(text, question) == expected


@pytest.mark.parametrize("text, expected", [
    ("my roommate uses", "unsafe"), ("my husband drinks too", "unsafe"), ("yes its safe", "safe"),
    ("i live alone", "safe"), ("no", "unsafe"), ("im staying in my car", "unsafe"), ("3", "unsure"),
    ("purple", None),
])
def test_home_answers(text, expected):
    assert extract.home(text) == expected


# Spanish (issue 18): the screen's questions are asked in Spanish, and plain Spanish answers are read, exactly
# (a button-like bare answer) and by the word readers (the same words inside a sentence).
@pytest.mark.parametrize("text, expected", [
    ("sí", "yes"), ("Sí.", "yes"), ("si", "yes"), ("no", "no"), ("No.", "no"), ("no sé", "unsure"),
    ("No se", "unsure"), ("tal vez", "unsure"),
])
def test_spanish_yes_no_and_not_sure(text, expected):
    assert extract.exact(text, "medical") == expected
    assert extract.exact(text) == expected  # the reply to a one-line confirmation
    assert extract.yes_no(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("todos los días", "daily"), ("diario", "daily"), ("a diario", "daily"), ("cada noche", "daily"),
    ("casi todos los días", "daily"), ("fines de semana", "weekly"), ("unas veces por semana", "weekly"),
    ("dos veces por semana", "weekly"), ("una vez al mes", "less_often"), ("de vez en cuando", "less_often"),
    ("casi nunca", "less_often"), ("no sé", "unsure"), ("tal vez", "unsure"),
])
def test_spanish_frequency_answers(text, expected):
    assert extract.exact(text, "frequency") == expected
    assert extract.frequency(text) == expected
    assert extract.frequency(f"pues, {text}, más o menos") == expected


@pytest.mark.parametrize("text, expected", [
    ("sí, es seguro", "safe"), ("sí, es segura", "safe"), ("sí", "safe"), ("no es seguro", "unsafe"),
    ("mi pareja bebe", "unsafe"), ("alguien usa drogas", "unsafe"), ("no", "unsafe"), ("no sé", "unsure"),
])
def test_spanish_home_answers(text, expected):
    assert extract.exact(text, "home") == expected
    assert extract.home(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("mi compañero de cuarto consume", "unsafe"), ("mi hermano fuma mota", "unsafe"),
    ("vivo sola y nadie bebe", "safe"), ("mi pareja no bebe, es seguro", "safe"),
    ("no sé si es seguro", "unsure"),
])
def test_spanish_home_answers_in_own_words(text, expected):
    assert extract.home(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("tomo cerveza y a veces cocaína", "alcohol,stimulants"), ("fentanilo", "opioids"),
    ("pastillas", "opioids"), ("no sé", "unsure"),
])
def test_spanish_substance_answers(text, expected):
    assert extract.substances(text) == expected


def test_spanish_withdrawal_and_a_no_that_is_not_unsure():
    assert extract.withdrawal("me tiemblan las manos en la mañana") == "yes"
    assert extract.yes_no("no, no se me quita") == "no"  # "no se" inside a sentence is not "I don't know"
    assert extract.yes_no("no seizures") == "no"
