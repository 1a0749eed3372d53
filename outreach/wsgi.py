import os

from django.core.wsgi import get_wsgi_application

from outreach.startup import explain_configuration_errors

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outreach.settings")

with explain_configuration_errors():
    application = get_wsgi_application()
