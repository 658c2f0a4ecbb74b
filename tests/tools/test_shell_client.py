"""The staff shell's prompt (tools/shell.py): what it prints for each channel's reply."""
from bot.core.ids import TEST_PREFIX
from tools import shell


def test_sms_texts_show_their_segments_and_encoding():
    reply = {"channel": "sms", "texts": [{"text": "Call 988.", "segments": 1, "encoding": "GSM-7"},
                                         {"text": "Más ayuda: 988 y oprima 2.", "segments": 2, "encoding": "UCS-2"}]}
    assert shell.show(reply) == ["SMS 1 of 2 (1 segment, GSM-7):", "  Call 988.",
                                 "SMS 2 of 2 (2 segments, UCS-2):", "  Más ayuda: 988 y oprima 2."]
    assert shell.show({"channel": "sms", "texts": []}) == ["(no text is sent)"]  # an opted-out number, say


def test_web_messages_show_buttons_and_the_crisis_card():
    reply = {"channel": "web", "messages": [
        {"text": "Do you get shakes?", "buttons": [{"title": "Yes"}, {"title": "No"}]},
        {"text": "Call 911.", "custom": {"escalation": {"category": "suicide", "urgency": "imminent"}}}]}
    assert shell.show(reply) == ["Bot: Do you get shakes?", "  buttons: [Yes]  [No]", "Bot: Call 911.",
                                 "  crisis card: suicide, urgency imminent"]


def test_every_shell_conversation_is_a_test():
    assert shell.new_sender().startswith(TEST_PREFIX) and shell.new_sender() != shell.new_sender()
