"""SMS keywords, opt-outs and fitting replies into text messages."""
import pytest

from bot.core.sms import formatting
from bot.core.sms.keywords import keyword
from bot.storage.sms import is_opted_out, set_opted_out


@pytest.mark.parametrize("text, expected", [
    ("STOP", "opt_out"), ("stop", "opt_out"), ("Unsubscribe", "opt_out"), ("cancel", "opt_out"),
    ("END", "opt_out"), ("quit", "opt_out"), ("revoke", "opt_out"), ("optout", "opt_out"), ("stopall", "opt_out"),
    ("please stop texting me", "opt_out"), ("don't text me", "opt_out"), ("no más", "opt_out"),
    ("no mas", "opt_out"), ("remove me from this list", "opt_out"),
    ("START", "opt_in"), ("unstop", "opt_in"), ("HELP", "help"), ("info", "help"),
    ("stop drinking is hard", None), ("how do i stop using", None), ("yes", None), ("hi", None),
])
def test_keywords(text, expected):
    assert keyword(text) == expected


def test_yes_opts_back_in_only_after_an_opt_out():
    assert keyword("yes", opted_out=False) is None
    assert keyword("YES", opted_out=True) == "opt_in"


def test_opt_outs_are_stored(project_db):
    phone = "+16175550123"
    assert not is_opted_out(phone)
    set_opted_out(phone, True)
    assert is_opted_out(phone)
    set_opted_out(phone, False)
    assert not is_opted_out(phone)


def test_buttons_become_a_numbered_list_and_numbers_choose():
    buttons = [{"title": "Request a callback", "payload": "please call me back"},
               {"title": "Talk to a person", "payload": "I want to talk to a person"}]
    text = formatting.render([{"text": "What next?", "buttons": buttons}])
    assert text == "What next? Reply with a number: 1) Request a callback 2) Talk to a person"
    assert formatting.resolve_choice("2", buttons) == "I want to talk to a person"
    assert formatting.resolve_choice("talk to a person", buttons) == "I want to talk to a person"
    assert formatting.resolve_choice("7", buttons) is None


def test_payloads_for_the_web_are_dropped_and_the_program_name_hidden():
    messages = [{"text": "Harbor Light Recovery answers."}, {"custom": {"escalation": {"category": "suicide"}}}]
    assert formatting.render(messages, program_name="Harbor Light Recovery") == "our program answers."


def test_long_replies_split_between_sentences_within_two_segments():
    text = " ".join(f"This is sentence number {i} of a long answer." for i in range(30))
    parts = formatting.split_sms(text)
    assert len(parts) > 1 and all(formatting.sms_length(p) <= 306 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == " ".join(text.split())


def test_one_emoji_switches_only_its_own_part_to_ucs2():
    text = "Thank you 🙏 " + " ".join("word" for _ in range(60))
    parts = formatting.split_sms(text)
    assert not formatting.is_gsm7(parts[0]) and formatting.sms_length(parts[0]) <= 134
    assert all(formatting.segments(p) <= 2 for p in parts)
    assert all(formatting.is_gsm7(p) for p in parts[1:])


def test_a_crisis_reply_with_the_spanish_line_keeps_the_numbers_first_in_few_texts():
    """One accented letter used to make the whole crisis reply UCS-2: five texts, the Spanish line fourth."""
    from actions.escalation import extra_responses
    from bot.core.wording import responses

    said = {name: variations[0]["text"] for name, variations in responses().items()}
    # action_escalate's messages after utter_crisis, then the follow-up's question (its plain variation);
    # the SMS line joins a turn's messages into one text.
    extra = [said[name] for name in extra_responses("suicide", ["overdose"], spanish=True)]
    question = next(v["text"] for v in responses()["utter_ask_crisis_safety"] if not v.get("condition"))
    assert question == "Are you safe right now?"
    reply = " ".join([said["utter_crisis"], *extra, said["utter_escalation_person_coming"], question])
    parts = formatting.split_sms(reply)
    assert len(parts) <= 3 and all(formatting.segments(p) <= 2 for p in parts)
    assert "988" in parts[0] and "911" in parts[0] and formatting.is_gsm7(parts[0])
    assert any("español" in p for p in parts)
    assert formatting.segments("a" * 160) == 1 and formatting.segments("a" * 161) == 2
    assert formatting.segments("é" * 70) == 1 and formatting.segments("á" * 71) == 2


def test_the_reply_to_a_danger_without_a_name_keeps_911_first_in_few_texts():
    from bot.core.wording import responses

    def text(name, **slots):
        return next(v["text"] for v in responses()[name]
                    if {(c["name"], c["value"]) for c in v.get("condition") or []} == set(slots.items()))

    reply = " ".join([text("utter_crisis", language="en", risk_subject="unclear"),
                      next(v["text"] for v in responses()["utter_escalation_person_coming"] if not v.get("condition")),
                      text("utter_ask_crisis_safety", language="en", crisis_last="unnamed")])
    parts = formatting.split_sms(reply)
    assert len(parts) <= 3 and all(formatting.segments(p) <= 2 for p in parts)
    assert "911" in parts[0] and "what is happening" in parts[-1]


def test_typographic_quotes_do_not_force_ucs2():
    assert formatting.is_gsm7(formatting.to_gsm_friendly("you\u2019re \u201cwelcome\u201d \u2014 ok"))


def sms_line(monkeypatch, handled):
    """The SMS webhook's handler as the Rasa server runs it, with the assistant replaced by `handled` and the
    texts it sends recorded instead of going to Twilio."""
    from bot.server.channels.twilio import VerifiedTwilioInput

    channel = VerifiedTwilioInput("AC" + "0" * 32, "sms-token", "+16175550100",
                                  webhook_url="https://bot.example/webhooks/twilio/webhook")
    texts = []

    async def send_text(to, text):
        texts.append((to, text))

    monkeypatch.setattr(channel, "send_text", send_text)
    route = next(r for r in channel.blueprint(handled)._future_routes if r.uri == "/webhook")
    return channel, route.handler, texts


def signed(channel, sender, body):
    from types import SimpleNamespace

    from sanic.request import RequestParameters
    from twilio.request_validator import RequestValidator

    params = {"From": sender, "Body": body, "To": "+16175550100"}
    signature = RequestValidator("sms-token").compute_signature(channel.webhook_url, params)
    return SimpleNamespace(headers={"X-Twilio-Signature": signature}, url=channel.webhook_url,
                           form=RequestParameters({k: [v] for k, v in params.items()}))


def test_a_crisis_message_after_stop_is_handled_but_not_texted_and_marked_for_the_console(monkeypatch, project_db):
    import asyncio

    from bot.storage.sms import NOT_TEXTED

    seen = []

    async def assistant(message):  # what Rasa does with a risk message: the crisis reply, in the turn
        seen.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Call or text 988 now.")

    channel, receive, texts = sms_line(monkeypatch, assistant)
    phone = "+16175550150"

    async def scenario():
        await receive(signed(channel, phone, "STOP"))
        await receive(signed(channel, phone, "i have the pills in my hand right now"))

    asyncio.run(scenario())
    assert is_opted_out(phone)
    # One text: the opt-out confirmation. The crisis reply was not texted.
    assert len(texts) == 1 and "unsubscribed" in texts[0][1]
    (message,) = seen  # STOP never reaches the assistant; the crisis message does (its handoff is recorded)
    assert message.metadata == {NOT_TEXTED: True}  # kept with the message: the console shows the reply not sent


def test_a_message_from_a_number_that_did_not_opt_out_is_answered_and_not_marked(monkeypatch, project_db):
    import asyncio

    from bot.storage.sms import NOT_TEXTED

    seen = []

    async def assistant(message):
        seen.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Hi! Ask me anything.")

    channel, receive, texts = sms_line(monkeypatch, assistant)
    asyncio.run(receive(signed(channel, "+16175550151", "hi")))
    assert texts == [("+16175550151", "Hi! Ask me anything.")]
    assert NOT_TEXTED not in (seen[0].metadata or {})


def test_a_second_stop_is_not_confirmed_again(monkeypatch, project_db):
    import asyncio

    async def assistant(message):
        raise AssertionError("STOP never reaches the assistant")

    channel, receive, texts = sms_line(monkeypatch, assistant)
    phone = "+16175550152"

    async def scenario():
        await receive(signed(channel, phone, "STOP"))
        await receive(signed(channel, phone, "stop"))
        await receive(signed(channel, phone, "UNSUBSCRIBE"))

    asyncio.run(scenario())
    assert is_opted_out(phone) and len(texts) == 1 and "unsubscribed" in texts[0][1]


def test_a_number_outside_the_offered_choices_gets_the_choices_again(monkeypatch, project_db):
    import asyncio

    seen = []

    async def assistant(message):
        seen.append(message.text)

    channel, receive, texts = sms_line(monkeypatch, assistant)
    offered = [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"},
               {"title": "Not sure", "payload": "not sure"}]

    async def last_buttons(sender):
        return offered

    monkeypatch.setattr("bot.server.channels.twilio.last_buttons", last_buttons)

    async def scenario():
        await receive(signed(channel, "+16175550153", "5"))
        await receive(signed(channel, "+16175550153", "2"))

    asyncio.run(scenario())
    assert texts[0][1].startswith("Please reply 1, 2 or 3: 1) Yes 2) No 3) Not sure")
    assert seen == ["no"]  # "5" never reached the assistant as a message; "2" chose the second option


def test_a_resumed_question_keeps_its_choices_in_the_same_text():
    """After an FAQ answer mid-screen, the question came back with its choices as a separate short text."""
    answer = ("Most private plans, Medicaid and Medicare cover IOP in some form, and we work with MassHealth, Medicare, "
              "Blue Cross Blue Shield, Aetna, Cigna and Tufts Health Plan, so our admissions team can check "
              "your benefits with you before you start.")
    question = "Any serious or unstable health problem right now? Reply 1 yes, 2 no, 3 not sure."
    parts = formatting.split_sms(f"{answer} {question}")
    assert any(p.endswith(question) for p in parts), parts
    assert all(formatting.segments(p) <= 2 for p in parts)
    numbered = formatting.render([{"text": "What next?", "buttons": [{"title": "Yes", "payload": "yes"}]}])
    assert formatting.split_sms(answer + " " + numbered)[-1].endswith("What next? Reply with a number: 1) Yes")


def test_a_staff_reply_by_text_records_whether_it_was_sent_failed_or_not_sent_to_an_opted_out_number(project_db):
    import asyncio

    from bot.server.channels.twilio import SmsOutput, VerifiedTwilioInput
    from bot.storage.sms import deliveries_of

    channel = VerifiedTwilioInput("AC" + "0" * 32, "sms-token", "+16175550100")
    texts = []

    async def send_text(to, text):  # Twilio refuses the second reply
        texts.append((to, text))
        return text != "Are you there?"

    channel.send_text = send_text
    output = SmsOutput(channel)
    phone, ids = "+16175550160", ["a" * 32, "b" * 32, "c" * 32]

    async def scenario():
        await output.send_response(phone, {"text": "Hi, this is the team.", "staff": True, "delivery": ids[0]})
        await output.send_response(phone, {"text": "Are you there?", "staff": True, "delivery": ids[1]})
        await output.send_response(phone, {"text": "The assistant's answer."})  # no delivery id: no record
        await output.send_response(phone, {"text": "Odd id", "staff": True, "delivery": "../x"})
        set_opted_out(phone, True)
        await output.send_response(phone, {"text": "Still there?", "staff": True, "delivery": ids[2]})

    asyncio.run(scenario())
    assert deliveries_of(phone) == {ids[0]: "sent", ids[1]: "failed", ids[2]: "opted_out"}
    assert [text for _, text in texts] == ["Hi, this is the team.", "Are you there?", "The assistant's answer.",
                                          "Odd id"]


@pytest.mark.parametrize("word", ["no más", "basta"])
def test_a_spanish_opt_out_is_confirmed_once_in_spanish(monkeypatch, project_db, word):
    import asyncio

    async def assistant(message):
        raise AssertionError("an opt-out never reaches the assistant")

    channel, receive, texts = sms_line(monkeypatch, assistant)
    phone = "+16175550153"
    asyncio.run(receive(signed(channel, phone, word)))
    (reply,) = [text for _, text in texts]
    assert is_opted_out(phone) and reply.startswith("Ya no recibirá mensajes") and "START" in reply
    assert "988" in reply and "911" in reply and len(formatting.split_sms(reply)) == 1
