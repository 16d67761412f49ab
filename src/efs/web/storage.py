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

    # The address of a static file, once per process: the manifest is read when the storage is
    # made and does not change while it runs, and the eight `{% static %}` of every page's head
    # cost a twentieth of a cached page's CPU (docs/benchmarks.md).
    _urls: dict[str, str]

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        urls = self.__dict__.setdefault("_urls", {})
        found = urls.get(name)
        if found is None:
            found = urls[name] = super().url(name)
        return found
