"""The clinician panel: login, editors, publishing and the audit log."""

from __future__ import annotations

import secrets

from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

# Templates and static files of the panel itself; flask-admin brings its own.
panel = Blueprint("panel", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/admin/assets")


def init_app(app: Flask) -> None:
    """Attach the clinician panel to `app`."""
    from admin import cli
    from admin.security import init_login, limit_sign_in
    from admin.wording import level_words

    init_login(app)
    app.register_blueprint(panel)
    app.context_processor(_template_helpers)
    app.add_template_filter(level_words)
    build_admin().init_app(app)
    limit_sign_in(app)
    cli.register(app)
    _identify_worker(app)


def build_admin() -> Admin:
    """A flask-admin instance with every view; one per app, so tests can build many."""
    from admin.models import User
    from admin.views.audit import AuditView
    from admin.views.course_sandbox import CourseTryItView
    from admin.views.home import PanelHomeView
    from admin.views.library import AdviceView, ExerciseView
    from admin.views.publishing import PublishView
    from admin.views.rules import RuleView
    from admin.views.sandbox import TryItView, WhatIfView
    from admin.views.users import UserView
    from admin.views.versions import VersionView
    from admin.views.vignettes import VignetteView
    from admin.views.whatif_jobs import WhatIfJobView
    from service.extensions import db
    from service.security import csp_nonce
    from service.store.models import Advice, AuditEntry, Exercise, Rule, RulesetVersion, Vignette

    admin = Admin(name="Sciatica triage: clinical content",
                  index_view=PanelHomeView(name="Home", url="/admin"),
                  theme=Bootstrap4Theme(base_template="panel/base.html", fluid=True),
                  csp_nonce_generator=csp_nonce)  # the strict CSP lets only these run
    draft, check, live = "Edit the draft", "Check the draft", "Go live"
    admin.add_views(
        RuleView(Rule, db, name="Rules", category=draft),
        ExerciseView(Exercise, db, name="Exercises", category=draft),
        AdviceView(Advice, db, name="Advice", category=draft),
        VignetteView(Vignette, db, name="Test vignettes", category=draft),
        TryItView(name="Try it", endpoint="tryit", category=check),
        WhatIfView(name="What-if on the latest intakes", endpoint="whatif", category=check),
        WhatIfJobView(name="What-if on all history", endpoint="whatifjobs", category=check),
        CourseTryItView(name="Try a follow-up course", endpoint="trycourse", category=check),
        PublishView(name="Review and publish", endpoint="publish", category=live),
        VersionView(RulesetVersion, db, name="Version history", category=live),
        AuditView(AuditEntry, db, name="Audit log"),
        UserView(User, db, name="Accounts"),
    )
    return admin


def _template_helpers() -> dict:
    from admin.views.publishing import active_version

    return {"panel_live_version": active_version}  # called only by pages that show it


def _identify_worker(app: Flask) -> None:
    """Tag responses with a random id of this process, so one can tell workers apart.

    Random rather than the PID: it identifies a worker without revealing anything.
    """
    worker = secrets.token_hex(4)

    @app.after_request
    def served_by(response):
        response.headers["X-Served-By"] = worker
        return response
