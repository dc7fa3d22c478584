"""Forms as data (model.py), their pure transition (engine.py), and each form's table."""

# Forms only staff fill in (by name): revoking her role closes them (services/access.py).
STAFF_FORMS = frozenset({"broadcast", "vf_reason", "fu_note", "invite", "class", "class_edit"})
