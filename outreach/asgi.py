import os

from django.core.asgi import get_asgi_application

from outreach.startup import explain_configuration_errors

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outreach.settings")

with explain_configuration_errors():
    application = get_asgi_application()
