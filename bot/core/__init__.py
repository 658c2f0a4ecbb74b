"""The Rasa-free core: imports neither Rasa nor rasa-sdk, and every process builds on it (mypy checks it)."""
