"""The staff console: admissions staff see the handoff queue, read a conversation, claim it, reply to the
person on their own channel, hand it back to the assistant or close it with a note.

`python -m bot.console serve` starts it; `python -m bot.console add-user NAME` creates an account."""
