"""Static files storage: hashed names and gzip, without brotli.

Brotli at maximum quality spends about a minute on the 2 MB of vendored and admin
JavaScript on a 2-core machine, which made the first `make run` wait for it; gzip
alone takes a few seconds and every browser accepts it.
"""

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs):
        return Compressor(use_brotli=False, **kwargs)
