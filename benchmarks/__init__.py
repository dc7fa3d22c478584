"""Reproducible measurements of the bot against the local Bot API emulator.

Each benchmark prints one summary line per configuration; ``make bench`` runs them.
"""
