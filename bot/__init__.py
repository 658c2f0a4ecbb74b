"""The IOP helpline assistant's runtime package, by process: core/ (Rasa-free, shared by all), server/ (inside
the Rasa server), storage/ and console/ (README "Layout"). The action server is actions/, the tools tools/."""
from bot.core.privacy import install_log_masking

# Both servers import this package (the Rasa server for its channels and components, the action server
# for the profile), so every log line either writes has phone numbers and e-mail addresses masked.
install_log_masking()
