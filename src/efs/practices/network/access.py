"""Scope policies of the models of this part that hold people's data (see efs.people.access)."""
