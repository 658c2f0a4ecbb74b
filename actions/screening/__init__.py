"""The "is IOP right for me?" screen's actions: the form and the result. The outcome rule, exact answers and
the answer models are Rasa-free, in bot/core/screening/."""
