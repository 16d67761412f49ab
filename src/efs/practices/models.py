"""Models of the practices app. The network part keeps its models in `network/models.py`; they are
imported here so that Django registers them under this app."""

from efs.practices.network.models import *  # noqa: F403
