"""Static files under hashed names (css/app.3f2a….css) with their compressed copies, from collectstatic."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's manifest storage, whose hashed names are used with DEBUG on too (Django's own falls back
    to the plain names under DEBUG): `make run` loads its pages as production does."""

    def url(self, name, force=True):
        return super().url(name, force=True)
