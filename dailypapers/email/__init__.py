"""Outgoing e-mail behind the ``EmailSender`` protocol, chosen by ``DAILYPAPERS_EMAIL_BACKEND``."""
