"""The book's Sphinx extension: small repairs of what the theme's extensions put on every page.

- Each script is included once: sphinx-thebe registers its inline configuration on every read of the
  sources, and a second `const THEBE_JS_URL` is a console error ("already declared") on every page.
- The pages' kernels start with the project's kernel manager (`vgslib.kernels`): over IPC, not plain-text TCP
  (which printed "Kernel is running over TCP without encryption" for every page), and shut down without an
  interrupt. myst-nb has no setting for it; it executes each page through jupyter-cache's `executenb`
  (nbclient's `execute`), which takes the kernel manager class as a keyword.
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


def _quiet_kernels() -> None:
    from jupyter_cache.executors import utils

    from vgslib.kernels import kernel_manager_class

    original = utils.executenb
    if getattr(original, "vgslib_kernels", False):
        return

    def executenb(nb, **kwargs):
        kwargs.setdefault("kernel_manager_class", kernel_manager_class())
        return original(nb, **kwargs)

    executenb.vgslib_kernels = True
    utils.executenb = executenb


def setup(app):
    _quiet_kernels()
    app.connect("html-page-context", _unique_scripts, priority=999)  # after the extensions that add them
    return {"parallel_read_safe": True, "parallel_write_safe": True}
