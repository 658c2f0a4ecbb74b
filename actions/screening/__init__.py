"""The "is IOP right for me?" screen: answer extraction, the outcome rule, and the form's actions."""
