"""Models of the coordination app. The programs part keeps its models in `programs/models.py`; they are
imported here so that Django registers them under this app."""

from efs.coordination.programs.models import *  # noqa: F403
