"""What every staff page shares: Danish formats, navigation with logout, Danish error pages.

The layout (`base.html`) reads the signed-in member of staff for its navigation; errors under
/agent and /admin are pages in that layout, while calls, the chat and the API answer their own way.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from . import danish

STAFF_PATHS = ("/agent", "/admin")
ERRORS = {
    400: ("Forkert forespørgsel", "Siden kunne ikke bruge det, der blev sendt."),
    401: ("Log ind", "Du skal logge ind for at se siden."),
    403: ("Ingen adgang", "Du har ikke adgang til denne side. Spørg en administrator."),
    404: ("Siden findes ikke", "Siden findes ikke, eller den er flyttet."),
    405: ("Det kan siden ikke", "Siden kan ikke bruges sådan."),
    409: ("Allerede i gang", "En anden har allerede taget sig af det."),
    413: ("For stor", "Det, der blev sendt, var for stort."),
    429: ("For mange forsøg", "Vent lidt, og prøv så igen."),
    500: ("Der skete en fejl", "Der skete en fejl hos os. Prøv igen om lidt."),
}


def register(app: Flask) -> None:
    """Install the filters, the layout's context and the staff error pages on `app`."""
    app.add_template_filter(danish.number, "da_number")
    app.add_template_filter(danish.percent, "da_percent")
    app.add_template_filter(danish.when, "da_when")
    app.add_template_filter(danish.day, "da_day")
    app.add_template_filter(danish.phone, "da_phone")

    @app.context_processor
    def staff_context() -> dict[str, Any]:
        if not request.path.startswith(STAFF_PATHS):
            return {}
        from .agents import current_staff

        return {"staff": current_staff(), "csp_nonce": _nonce()}

    @app.after_request
    def staff_headers(response: Response) -> Response:
        if request.path.startswith(STAFF_PATHS):
            response.headers.update(staff_security_headers(_nonce()))
        return response

    @app.errorhandler(HTTPException)
    def staff_error(error: HTTPException) -> Any:
        if not request.path.startswith(STAFF_PATHS) or error.code is None:
            return error  # calls, the chat and the API answer in their own way
        heading, message = ERRORS.get(error.code, (error.name, ""))
        if error.code == 400 and error.description and not error.description.startswith("The "):
            message = error.description  # our own Danish reason (abort(400, "…"))
        if request.path.endswith(".json") or request.method != "GET":
            return Response(f"{heading}. {message}\n", error.code, mimetype="text/plain")
        return render_template("error.html", heading=heading, message=message), error.code

    @app.errorhandler(500)
    def server_error(error: Exception) -> Any:
        if not request.path.startswith(STAFF_PATHS):
            return Response("Internal Server Error\n", 500, mimetype="text/plain")
        heading, message = ERRORS[500]
        return render_template("error.html", heading=heading, message=message), 500


def staff_security_headers(nonce: str) -> dict[str, str]:
    """What every staff page and its data send.

    No framing, no inline code but ours, no caching (state.json carries callers' numbers), no
    paths leaked to other sites, no content sniffing.
    """
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'"
        ),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def _nonce() -> str:
    """One CSP nonce per request, shared by its template and its header."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce
