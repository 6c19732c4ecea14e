"""Everything the app needs for the pages: their routes behind the session cookie, templates,
CSRF protection of forms, and the stylesheet."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.file_system import BaseLocalFileSystem
from litestar.middleware.base import DefineMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler, PathType
from litestar.types.file_types import FileInfo

from services.auth.middleware import TokenAuthentication
from services.platform.keys import Keys
from services.pages.admin_outbox import OutboxPages
from services.pages.admin_qualifications import QualificationPages
from services.pages.auditor import AuditorPages
from services.pages.coordinator import CoordinatorPages
from services.pages.coordinator_figures import FigurePages
from services.pages.coordinator_offers import OfferPages
from services.pages.coordinator_people import PeoplePages
from services.pages.coordinator_shifts import ShiftPages
from services.pages.coordinator_trainings import TrainingPages
from services.pages.i18n import language_of, translator
from services.pages.rendering import page
from services.pages.password import PasswordPages
from services.pages.unsubscribe import PATHS as UNSUBSCRIBE_PATHS, UnsubscribePage
from services.pages.routes import HomePage, SessionPages
from services.pages.volunteer import VolunteerPages
from services.programme.pages import PAGE_PATHS as PROGRAMME_PAGES
from services.pages.volunteer_handover import VolunteerHandovers
from services.pages.volunteer_home import VolunteerHome
from services.pages.volunteer_profile import VolunteerProfile
from services.pages.session import secure_cookies_forced, session_cookie, to_sign_in

HERE = Path(__file__).parent
PAGE_PATHS = (r"^/($|sign-in$|sign-out$|static/|volunteer(/|$)|coordinator(/|$)|auditor(/|$)"
              r"|password-reset$|password/|" + UNSUBSCRIBE_PATHS + ")")
"""The pages' paths: the session cookie's, never the bearer middleware's."""
API_PATHS = r"^/(api|health|ready|metrics|schema)(/|$)"
"""Paths that are not pages: the bearer middleware's, never the cookie's, and free of CSRF."""


def forbidden_page(request: Request[Any, Any, Any], _: PermissionDeniedException) -> Template:
    message = translator(language_of(request))("error.forbidden")
    return page(request, "error.html", status_code=403, message=message)


class StaticFiles(BaseLocalFileSystem):
    """The pages' files; a name the file system cannot hold (``/static/%00``: a NUL) names no
    file, a 404, where the operating system's ValueError would be a 500."""

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        if "\x00" in str(path):
            raise FileNotFoundError(path)
        return await super().info(path, **kwargs)


def page_handlers() -> list[ControllerRouterHandler]:
    pages = Router(
        path="/",
        route_handlers=[SessionPages, HomePage, CoordinatorPages, VolunteerPages, AuditorPages,
                        VolunteerHome, VolunteerProfile, VolunteerHandovers, PasswordPages,
                        ShiftPages, OfferPages, TrainingPages, PeoplePages,
                        FigurePages, QualificationPages, OutboxPages, UnsubscribePage],
        middleware=[DefineMiddleware(TokenAuthentication, sources=(session_cookie,))],
        exception_handlers={
            NotAuthorizedException: to_sign_in,
            PermissionDeniedException: forbidden_page,
        },
        include_in_schema=False,
    )
    static = create_static_files_router(path="/static", directories=[HERE / "static"],
                                        file_system=StaticFiles(),
                                        include_in_schema=False, opt={"exclude_from_auth": True})
    return [pages, static]


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)


def csrf_config(keys: Keys) -> CSRFConfig:
    secret = hmac.new(keys.tokens, b"treffpunkt/csrf", hashlib.sha256).hexdigest()
    return CSRFConfig(secret=secret, cookie_name="treffpunkt_csrf", cookie_httponly=True,
                      cookie_samesite="lax", cookie_secure=secure_cookies_forced(),
                      # public pages set no cookie; a mail provider's one-click POST has none
                      exclude=[API_PATHS, PROGRAMME_PAGES, "^/" + UNSUBSCRIBE_PATHS])
