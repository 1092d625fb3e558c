"""Training notebooks run one after another on one kernel kept warm (a grid worker's), instead of a process and a
kernel started for every run.

A run's notebook on a fresh kernel spent ~10 s before and around its training (an English `laptop` run: 35.8 s
in all, 23.5 s of them training): starting the command-line process and the kernel (~6.9 s), importing torch
and the library in the kernel (~1.6 s), and `torch._dynamo`, which torch's optimisers import on first use
(~1.9 s). A warm kernel pays these once per grid worker. Each run still executes its whole notebook from its
first cell, in a namespace emptied before it (`%reset -f`), and sets every seed it uses itself, so it ends with
the numbers of the same run on a fresh kernel (tested: tests/jobs/test_warm.py).

A kernel that died (a crash, the memory killer) is replaced by a fresh one for the next run; the kernel exits
with the process that started it (ipykernel watches its parent, and Linux sends it SIGTERM: `die_with_parent`).
"""

from __future__ import annotations

import atexit

from vgslib.jobs import notebooks
from vgslib.kernels import kernel_manager_class
from vgslib.processes import die_with_parent

ENGINE = "vgslib-warm"
# Run before every notebook: the previous notebook's names go (imported modules stay: they are the saving), the
# working directory is the notebooks folder again, and what the previous run freed is collected.
RESET = f"%reset -f\nimport gc as _gc, os as _os\n_os.chdir({notebooks.NOTEBOOK_DIR!r})\n_gc.collect()"

_kernels: dict[tuple, WarmKernel] = {}  # one warm kernel per environment in this process


def _register_engine() -> None:
    """papermill's nbclient engine on a kernel started beforehand (`km`): papermill's own engine leaves the
    client's channels to the kernel's shutdown, which a warm kernel never has, so here they close after each
    notebook (else every finished run's client would keep receiving the next runs' messages)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None, start_timeout=60,
            execution_timeout=None, km=None, **kwargs,
        ):  # fmt: skip
            client = PapermillNotebookClient(
                nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
            )  # fmt: skip
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    if ENGINE not in papermill_engines._engines:
        papermill_engines.register(ENGINE, WarmEngine)


class WarmKernel:
    """A python3 kernel started with `env` in the notebooks folder, reused by `execute` notebook after notebook."""

    def __init__(self, env: dict[str, str]):
        self.env, self.km = env, None

    def _alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and run_sync(self.km.is_alive)()

    def _start(self) -> None:
        from jupyter_core.utils import run_sync

        self.shutdown()
        self.km = kernel_manager_class()(kernel_name="python3")
        run_sync(self.km.start_kernel)(env=self.env, cwd=notebooks.NOTEBOOK_DIR, preexec_fn=die_with_parent)

    def execute(self, name: str, params: dict, output: str, echo: bool = False) -> str:
        """`notebooks.execute` on this kernel (started, or started again if it died), after emptying its
        namespace."""
        import nbformat
        import papermill

        _register_engine()
        reset = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(RESET)])
        reset.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
        for attempt in range(2):
            if not self._alive():
                self._start()
            try:
                papermill.execute_notebook(
                    reset, None, kernel_name="python3", progress_bar=False, engine_name=ENGINE, km=self.km
                )  # fmt: skip
                break
            except Exception:  # a kernel that was dying when looked at ("Kernel died before replying")
                if attempt:
                    raise
                self.shutdown()
        return notebooks.execute(name, params, output, echo=echo, engine_name=ENGINE, km=self.km)

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.km is not None:
            if run_sync(self.km.is_alive)():
                run_sync(self.km.shutdown_kernel)(now=True)
            run_sync(self.km.cleanup_resources)()
            self.km = None


def kernel(env: dict[str, str]) -> WarmKernel:
    """This process's warm kernel for `env` (made on first use)."""
    key = tuple(sorted(env.items()))
    if key not in _kernels:
        if not _kernels:
            atexit.register(shutdown)
        _kernels[key] = WarmKernel(dict(env))
    return _kernels[key]


def shutdown() -> None:
    """Shut down every warm kernel of this process (a grid calls it on each worker before closing)."""
    while _kernels:
        _kernels.popitem()[1].shutdown()
