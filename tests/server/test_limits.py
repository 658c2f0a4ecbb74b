"""Very long messages: cut for the model, but a risk phrase anywhere is still caught."""
import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.server.channels.guard import as_text
from bot.server.channels.limits import MAX_MESSAGE_CHARS, cap_message

FILLER = "I have been reading about the program and wondering about the schedule and the groups. " * 400


def test_short_messages_are_untouched(detector):
    assert cap_message("how much does it cost", detector) == "how much does it cost"


@pytest.mark.parametrize("where", [0.01, 0.5, 0.99])
def test_a_risk_sentence_anywhere_in_a_long_message_leads_the_cut_text(detector, where):
    cut = int(len(FILLER) * where)
    text = FILLER[:cut] + " Honestly I want to kill myself tonight. " + FILLER[cut:]
    capped = cap_message(text, detector)
    assert len(capped) <= MAX_MESSAGE_CHARS
    assert detector.detect(capped).is_risk and detector.detect(capped).category == "suicide"


def test_a_long_message_without_risk_is_cut_and_stays_without_risk(detector):
    capped = cap_message(FILLER, detector)
    assert len(capped) <= MAX_MESSAGE_CHARS and capped.endswith("[…]")
    assert not detector.detect(capped).is_risk


def test_the_channels_cut_long_messages_before_rasa_sees_them():
    message = as_text(UserMessage(FILLER + " i took all my pills", CollectingOutputChannel(), "s"))
    assert len(message.text) <= MAX_MESSAGE_CHARS and "took all my pills" in message.text


def test_a_long_message_is_read_off_the_event_loop_and_still_cut_with_its_risk_sentence():
    import asyncio
    import threading

    from bot.server.channels import guard

    seen = {}
    main = threading.get_ident()
    real_as_text = guard.as_text

    def spying_as_text(message):
        seen.setdefault("threads", []).append(threading.get_ident())
        return real_as_text(message)

    async def rasa(message):
        seen.setdefault("texts", []).append(message.text)

    guard.as_text = spying_as_text
    try:
        asyncio.run(guard.guarded(rasa)(UserMessage(FILLER + " i took all my pills", CollectingOutputChannel(), "s")))
        asyncio.run(guard.guarded(rasa)(UserMessage("hi", CollectingOutputChannel(), "s")))
    finally:
        guard.as_text = real_as_text
    assert seen["threads"][0] != main and seen["threads"][1] == main
    long_text, short_text = seen["texts"]
    assert len(long_text) <= MAX_MESSAGE_CHARS and "took all my pills" in long_text
    assert short_text == "hi"
