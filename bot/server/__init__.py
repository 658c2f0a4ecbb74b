"""What runs inside the Rasa server: the seam to Rasa's internals, start-up, NLU components, channels, NLG,
the tracker and lock stores."""
