"""The IOP helpline assistant's own package: NLU components, risk rules, storage and the clinic profile."""
