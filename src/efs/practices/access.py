"""Scope policies of the models of this app that hold people's data (see efs.people.access)."""
