"""The write stamp of each table, for cached page fragments (:mod:`efs.fragments`)."""

from __future__ import annotations

from django.db import models


class TableVersion(models.Model):
    """A random stamp a table gets again after every committed write to it.

    A cached fragment is keyed by the stamps of the tables its rendering read, so any
    write to one of them (by any process: web workers, the task worker, a command) makes
    the next request render afresh. Random rather than counted: a rolled-back or
    re-created database never gives an old stamp back."""

    name = models.CharField(max_length=100, primary_key=True)
    version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}: {self.version}"
