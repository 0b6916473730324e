"""The one-time links that set a password.

An invitation link and a password-reset link are made by the same Django
machinery (a hash of the account's password, last sign-in and the time, with
an expiry of ``PASSWORD_RESET_TIMEOUT``), but under different salts: a reset
token does not open the invitation page and an invitation token does not
reset a password. Setting the password spends both (the hash changes).
"""
from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "workflows.accounts.tokens.InvitationTokenGenerator"


invitation_token_generator = InvitationTokenGenerator()
