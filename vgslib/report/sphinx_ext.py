"""The book's Sphinx extension: small repairs of what the theme's extensions put on every page.

- Each script is included once: sphinx-thebe registers its inline configuration on every read of the
  sources, and a second `const THEBE_JS_URL` is a console error ("already declared") on every page.
"""

from __future__ import annotations


def _unique_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    kept = []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body")
        if script not in kept and not (body and any(getattr(k, "attributes", {}).get("body") == body for k in kept)):
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _unique_scripts, priority=999)  # after the extensions that add them
    return {"parallel_read_safe": True, "parallel_write_safe": True}
