"""The project's channels: Rasa's own REST and socket.io channels with the safety guard added."""
