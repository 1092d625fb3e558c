"""Render the book: ship vega offline, execute the pages side by side (one per core), then `jupyter-book build`
the repository root (strict), which takes each page's outputs from that execution.

`python -m vgslib book [--builder html]`. The book's pages read precomputed data and runs; they never train.
"""

from __future__ import annotations

import argparse
import functools
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import yaml

from vgslib import paths
from vgslib.atomic import write_text
from vgslib.processes import die_with_parent

STATIC = os.path.join(paths.REPO_ROOT, "book", "_static")


def write_vega_bundle(folder: str = STATIC) -> str:
    """vega + vega-lite + vega-embed as one local script (from vl-convert: no network, no npm)."""
    import vl_convert

    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "vega-bundle.js")
    stamp = f"// vega {vl_convert.get_vega_version()}, vega-embed {vl_convert.get_vega_embed_version()}, scoped\n"
    if not os.path.exists(path) or not open(path).readline() == stamp:
        # Scoped in a function: the bundle's top-level names (e.g. `_`) would clash with the theme's globals;
        # it publishes vegaEmbed, vega and vegaLite on window itself.
        write_text(path, stamp + "(function () {\n" + vl_convert.javascript_bundle() + "\n})();\n")
    return path


GENERATED = os.path.join(paths.REPO_ROOT, "book", "_generated")


def write_page_notebooks(folder: str = GENERATED, student: bool = False) -> list[str]:
    """Each executable page as a Jupyter notebook (jupytext), for its "download this page" link; `student`:
    the student edition, every exercise's solution replaced by an empty answer cell (`student_edition`)."""
    import jupytext

    os.makedirs(folder, exist_ok=True)
    written = []
    for page in sorted(glob.glob(os.path.join(paths.REPO_ROOT, "book", "*.md"))):
        if "kernelspec:" not in open(page, encoding="utf-8").read(1000):
            continue
        path = os.path.join(folder, os.path.basename(page).replace(".md", ".ipynb"))
        notebook = jupytext.read(page, fmt="md:myst")
        jupytext.write(student_edition(notebook) if student else notebook, path)
        written.append(path)
    return written


SOLUTION_START, SOLUTION_END = "```{solution-start}", "```{solution-end}"


def student_edition(notebook):
    """`notebook` without its exercises' solutions: everything from a solution's opening directive to its
    closing one (code, outputs and text) becomes one empty code cell under "*Your answer:*"."""
    import nbformat

    cells, inside = [], False
    for cell in notebook.cells:
        markers = cell.cell_type == "markdown" and (SOLUTION_START in cell.source or SOLUTION_END in cell.source)
        if not markers:
            if not inside:
                cells.append(cell)  # unchanged, metadata and all
            continue
        kept, text = [], cell.source
        while True:  # a markdown cell may open and close several solutions
            marker = SOLUTION_END if inside else SOLUTION_START
            if marker not in text:
                break
            head, text = text.split(marker, 1)
            text = text.split("```", 1)[-1]  # the rest of the directive's fence
            if not inside:
                kept.append(head)
            inside = not inside
            if inside:
                kept.append(None)  # where the answer cell goes
        if not inside:
            kept.append(text)
        for part in kept:
            if part is None:
                cells += [nbformat.v4.new_markdown_cell("*Your answer:*"), nbformat.v4.new_code_cell("")]
            elif part.strip():
                cells.append(nbformat.v4.new_markdown_cell(part.strip()))
    if inside:
        raise ValueError("a solution opens and never closes (a `solution-start` without its `solution-end`)")
    edition = nbformat.from_dict({**notebook, "cells": cells})
    return edition


def _jupyter_book() -> str:
    return os.path.join(os.path.dirname(sys.executable), "jupyter-book")


def build(builder: str = "html", strict: bool = True, output: str | None = None, complete: bool = False) -> int:
    """Build the book into `output/_build/<builder>`.

    Each build starts in an empty staging folder (`output/_build/.staging`) and replaces the old book only when
    it ends: a killed build leaves the last finished book in place, and a rebuild writes the same bytes as a
    first build (Sphinx stamps `?v=` checksums on stylesheets it finds already copied, so building over an old
    book would not).

    A page whose inputs are missing (it stopped on `pages.MissingInput`: no runs of a condition, no analysis)
    is built again as a short page saying what is missing, so a book over any subset of runs renders; with
    `complete` (the main job, which makes every input) such a page fails the build instead.

    Every page is executed afresh in each call (as `execute_notebooks: force` would), into an execution cache of
    this call's own (`output/_build/.jupyter_cache`, emptied at the start and removed at the end): the second
    build that renders the missing pages re-uses the other pages' executed notebooks instead of executing
    them all again (half the time of a book over a subset of runs)."""
    write_vega_bundle()
    write_page_notebooks()
    output = output or paths.REPO_ROOT
    cache = os.path.abspath(os.path.join(output, "_build", ".jupyter_cache"))
    shutil.rmtree(cache, ignore_errors=True)
    try:
        return _build(builder, strict, output, complete, cache)
    finally:
        for folder in (cache, os.path.join(output, "_build", ".config")):
            shutil.rmtree(folder, ignore_errors=True)


def _build(builder: str, strict: bool, output: str, complete: bool, cache: str) -> int:
    execute_pages(paths.REPO_ROOT, cache)
    code = _build_once(builder, strict, output, paths.REPO_ROOT, cache)
    built = os.path.join(output, "_build", builder)
    missing = missing_inputs(built) if code and builder == "html" else {}
    if missing and not complete and all(missing.values()):
        for page, message in sorted(missing.items()):
            print(f"book: {page} lacks its inputs, rendered as a page saying so: {message}")
        sources = os.path.join(output, "_build", ".sources")
        write_sources(sources, missing)
        code = _build_once(builder, strict, output, sources, cache)
    elif missing:
        broken = sorted(page for page, message in missing.items() if not message)
        print(f"book: pages that failed: {', '.join(sorted(missing))}"
              + (f" ({', '.join(broken)} not for want of inputs: see {built}/reports)" if broken else ""))  # fmt: skip
    if code == 0 and builder == "html":
        from vgslib.report import htmlcheck

        problems = htmlcheck.check(built)
        for problem in problems:
            print("book check:", problem)
        print(f"book check: {len(problems)} problem(s) in the built HTML")
        if problems and strict:
            return 1
    return code


def book_pages(source: str) -> list[str]:
    """The executable pages (MyST notebooks) of the book in `source`, largest file first."""
    from myst_nb.core.read import is_myst_markdown_notebook

    pages = [
        page
        for page in glob.glob(os.path.join(source, "book", "*.md"))
        if is_myst_markdown_notebook(open(page, encoding="utf-8").read())
    ]
    return sorted(pages, key=lambda page: (-os.path.getsize(page), page))


def execute_pages(source: str, cache: str, workers: int | None = None) -> dict[str, bool]:
    """Execute every executable page of `source` into the execution cache `cache`, `workers` pages at a time
    (default: one per core), largest first; the build then takes each page's outputs from the cache instead of
    executing the pages one after another. A page that fails is not cached: the build executes it again and
    reports it as it would have. Returns page -> whether it ran to its end."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from jupyter_cache import get_cache

    timeout = int(_config(source).get("execute", {}).get("timeout", 900))
    pages = book_pages(source)
    project = get_cache(cache)
    for page in pages:
        project.add_nb_to_project(page, read_data={"name": "myst_nb_md", "type": "plugin"})
    workers = max(1, min(workers or os.cpu_count() or 1, len(pages)))  # one per core, as the grid's workers
    print(f"book: executing {len(pages)} pages, {workers} at a time", flush=True)
    done = {}
    with ProcessPoolExecutor(workers, initializer=_page_worker, initargs=(workers,)) as pool:
        futures = {pool.submit(_execute_page, (cache, page, timeout)): page for page in pages}
        for future in as_completed(futures):
            page = futures[future]
            try:
                seconds, ok = future.result()
                state = f"in {seconds:.1f} s" if ok else "failed (the build runs it again and reports why)"
            except Exception as error:  # a worker that broke (not its page): the build executes the page itself
                ok, state = False, f"not executed here ({type(error).__name__}: {error}); the build executes it"
            done[page] = ok
            print(f"book: {os.path.relpath(page, source)} {state} ({len(done)}/{len(pages)})", flush=True)
    return done


def _page_worker(workers: int) -> None:
    # SIGKILL, not SIGTERM: nbclient answers SIGTERM by stopping its kernel and carrying on with the next page,
    # so a worker would outlive a killed book; its kernel leaves by itself when its parent is gone.
    die_with_parent(signal.SIGKILL)
    if workers > 1:  # its kernels compute on one thread each: two multi-threaded pages at once take 2-4x longer
        os.environ.update({name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")})


def _execute_page(task: tuple[str, str, int]) -> tuple[float, bool]:
    """One page executed in its own folder and kernel, as Jupyter Book's execution does, and cached on success."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache, page, timeout = task
    project = get_cache(cache)
    notebook = project.get_project_notebook(page).nb
    result = run_page(notebook, page, timeout)
    if result.err is None:
        bundle = CacheBundleIn(notebook, page, data={"execution_seconds": result.time})
        project.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
    return result.time, result.err is None


def run_page(notebook, page: str, timeout: int):
    """Execute `notebook` (the page `page`, read) in the page's folder and a kernel of its own, as Jupyter Book
    does, on the project's kernels (`vgslib.kernels`: IPC, no "running over TCP without encryption" line per
    page): the execution result (`.err` holds the error of a cell that failed)."""
    from jupyter_cache.executors.utils import single_nb_execution

    from vgslib.kernels import kernel_manager_class

    return single_nb_execution(notebook, cwd=os.path.dirname(page), timeout=timeout, allow_errors=False,
                               meta_override=True, kernel_manager_class=kernel_manager_class())  # fmt: skip


def _config(source: str) -> dict:
    with open(os.path.join(source, "_config.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def execution_config(source: str, cache: str, path: str) -> str:
    """A copy of `source`'s `_config.yml` at `path` whose pages are executed into the execution cache `cache`
    (an absolute path: the two builds of one call run in different folders) or taken from it."""
    config = _config(source)
    config["execute"] = {**config.get("execute", {}), "execute_notebooks": "cache", "cache": cache}
    write_text(path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


def _build_once(builder: str, strict: bool, output: str, source: str, cache: str) -> int:
    staging = os.path.join(output, "_build", ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    config = execution_config(source, cache, os.path.join(output, "_build", ".config", "_config.yml"))
    cmd = [_jupyter_book(), "build", source, "--builder", builder, "--all", "--path-output", staging]
    cmd += ["--config", config]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    start = time.time()
    # Killing the book job stops the build instead of leaving it running on as an orphan.
    # (SIGKILL for the reason `_page_worker` gives: the build may execute a page itself)
    code = subprocess.call(cmd, env=env, cwd=source, preexec_fn=functools.partial(die_with_parent, signal.SIGKILL))
    built = os.path.join(output, "_build", builder)
    fresh = os.path.join(staging, "_build", builder)
    if os.path.isdir(fresh):  # the build ran to its end (failed or not): its pages replace the old ones
        shutil.rmtree(built, ignore_errors=True)
        os.replace(fresh, built)
    shutil.rmtree(staging, ignore_errors=True)
    print(f"book build: exit {code} in {time.time() - start:.0f} s -> {built}")
    return code


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MISSING = re.compile(r"MissingInput: (.+)")


def missing_inputs(built: str) -> dict[str, str]:
    """Each page whose execution failed (its report under `built/reports`) -> the `MissingInput` message that
    stopped it, or "" where something else did."""
    reports = os.path.join(built, "reports")
    out = {}
    for log in sorted(glob.glob(os.path.join(reports, "**", "*.err.log"), recursive=True)):
        with open(log, encoding="utf-8", errors="replace") as f:
            found = _MISSING.findall(_ANSI.sub("", f.read()))
        out[os.path.relpath(log, reports)[: -len(".err.log")]] = found[-1].strip() if found else ""
    return out


def write_sources(folder: str, missing: dict[str, str]) -> None:
    """A copy of the book's sources in `folder` in which each page of `missing` (docname -> message) is a short
    page under its own title saying what it lacks; every other page, and the links to these, stay as they are."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(os.path.join(paths.REPO_ROOT, "book"), os.path.join(folder, "book"))
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(os.path.join(paths.REPO_ROOT, name), folder)
    for page, message in missing.items():
        path = os.path.join(folder, page + ".md")
        with open(path, encoding="utf-8") as f:
            title = next((line for line in f if line.startswith("# ")), f"# {os.path.basename(page)}\n").strip()
        text = (
            f"{title}\n\n```{{admonition}} Not computed from the runs at hand\n:class: warning\n"
            f"This page needs inputs this build does not have: {message}\n```\n"
        )
        write_text(path, text)


def student_notebooks(argv=None) -> int:
    """`python -m vgslib student-notebooks [--output DIR]`: the student edition of every page's notebook."""
    parser = argparse.ArgumentParser(prog="python -m vgslib student-notebooks", description=student_edition.__doc__)
    parser.add_argument("--output", default=os.path.join(paths.REPO_ROOT, "_build", "student-notebooks"))
    args = parser.parse_args(argv)
    written = write_page_notebooks(args.output, student=True)
    print(f"{len(written)} student notebooks (solutions left out) -> {args.output}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vgslib book", description=__doc__)
    parser.add_argument("--builder", default="html")
    parser.add_argument("--no-strict", action="store_true", help="do not turn warnings into errors")
    parser.add_argument("--path-output", default=None, help="folder that receives _build/ (default: the repo)")
    lacking = "fail on a page whose inputs are missing (default: render it as a page saying so)"
    parser.add_argument("--complete", action="store_true", help=lacking)
    args = parser.parse_args(argv)
    return build(args.builder, strict=not args.no_strict, output=args.path_output, complete=args.complete)


if __name__ == "__main__":
    sys.exit(main())
