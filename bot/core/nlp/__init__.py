"""Rasa-free text models: the local spaCy pipeline, the linear n-gram models and the training corpora."""
