"""vgslib/kernels.py: the kernels the project starts talk over IPC and stop without an interrupt."""

import os

import nbformat

from vgslib import kernels


def test_the_kernel_is_shut_down_without_an_interrupt_and_leaves_no_sockets(tmp_path):
    """jupyter_client interrupts a kernel before shutting it down; a finished notebook's kernel is not (the
    signal printed "KeyboardInterrupt caught in kernel" after successful runs), a running one still is."""
    import asyncio
    import signal

    async def scenario():
        km = kernels.kernel_manager_class()(kernel_name="python3")
        sent = []
        original = km._async_signal_kernel

        async def record(signum):
            sent.append(signum)
            await original(signum)

        km._async_signal_kernel = record
        await km.start_kernel()
        if os.name != "nt":
            assert km.transport == "ipc" and os.path.isdir(os.path.dirname(km.ip))
        await km.interrupt_kernel()  # what a timeout does: the running cell is stopped
        assert sent == [signal.SIGINT]
        await km.shutdown_kernel()
        assert sent == [signal.SIGINT] and not await km.is_alive()
        return km

    km = asyncio.run(scenario())
    assert km.transport == "tcp" or not os.path.exists(os.path.dirname(km.ip))  # its socket folder is gone


def test_the_books_pages_run_on_the_same_kernels(capfd):
    """myst-nb runs each page through jupyter-cache's `executenb`; the book's extension hands it the kernel
    manager, so a page's kernel prints no warning on the build's terminal."""
    from jupyter_cache.executors import utils

    from vgslib.report import sphinx_ext

    original = utils.executenb
    try:
        sphinx_ext._quiet_kernels()
        wrapped = utils.executenb
        sphinx_ext._quiet_kernels()  # a second build in the same process wraps it once
        assert utils.executenb is wrapped is not original
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        result = utils.single_nb_execution(nb, cwd=None, timeout=120, allow_errors=False)
    finally:
        utils.executenb = original
    assert result.err is None and nb.cells[0].outputs[0]["text"] == "42\n"
    assert "without encryption" not in capfd.readouterr().err


def test_the_books_page_workers_run_pages_on_the_same_kernels(tmp_path, capfd):
    """The book executes its pages side by side (`book.run_page`) before Jupyter Book reads them: those kernels
    too print no warning on the build's terminal."""
    from vgslib.report import book

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os; print(os.getcwd())")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    result = book.run_page(nb, str(tmp_path / "page.md"), timeout=120)
    assert result.err is None and nb.cells[0].outputs[0]["text"] == f"{tmp_path}\n"  # in the page's folder
    assert "without encryption" not in capfd.readouterr().err
