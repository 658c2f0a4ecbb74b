"""The screen's Rasa-free parts: the outcome rule, exact answers and the answer models."""
