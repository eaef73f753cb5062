"""Pages that say who the service is for, how it is kept safe, and what it stores."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from service.extensions import db
from service.patient import result_view
from service.store.models import RulesetVersion, Vignette

bp = Blueprint("trust", __name__)


def published() -> tuple[int | None, str]:
    """(number, date in words) of the rules patients are checked against now."""
    row = db.session.execute(select(RulesetVersion.version, RulesetVersion.created_at)
                             .order_by(RulesetVersion.version.desc()).limit(1)).first()
    if row is None:
        return None, "not yet published"
    return row.version, result_view.day(row.created_at)


@bp.get("/about")
def about():
    """Who the service is for, and who it is not for."""
    version, on = published()
    return render_template("patient/about.html", version=version, published_on=on)


@bp.get("/clinical-safety")
def clinical_safety():
    """How the rules are kept safe, and where the hazard log is."""
    version, on = published()
    vignettes = db.session.scalar(select(func.count(Vignette.id)))
    return render_template("patient/clinical_safety.html", version=version, published_on=on,
                           vignettes=vignettes)


@bp.get("/privacy")
def privacy():
    """What is stored, for how long, and how to have it deleted."""
    return render_template("patient/privacy.html",
                           retention_days=current_app.config["RETENTION_DAYS"])

