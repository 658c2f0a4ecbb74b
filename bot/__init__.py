"""The IOP helpline assistant's own package: NLU components, risk rules, storage and the clinic profile."""
from bot.core.privacy import install_log_masking

# Both servers import this package (the Rasa server for its channels and components, the action server
# for the profile), so every log line either writes has phone numbers and e-mail addresses masked.
install_log_masking()
