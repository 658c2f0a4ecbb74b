"""Rasa NLU components of the project (the risk detector) and the local spaCy pipeline."""
