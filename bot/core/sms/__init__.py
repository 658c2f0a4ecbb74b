"""The SMS text line: keywords and opt-outs, and fitting replies into text messages."""
