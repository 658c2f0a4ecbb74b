"""Rasa NLU components of the project: linear intent and FAQ topic, the risk model, the risk detector, the Spanish
gate. The models and the spaCy pipeline they wrap are Rasa-free, in bot/core/."""
