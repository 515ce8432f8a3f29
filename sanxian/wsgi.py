"""WSGI entry point (gunicorn sanxian.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanxian.settings")
application = get_wsgi_application()
