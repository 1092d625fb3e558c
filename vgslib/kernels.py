"""The kernel manager every notebook the project runs starts its kernel with (papermill's runs and the book's
pages): jupyter_client's, quieter and private (see `kernel_manager_class`)."""

from __future__ import annotations

import functools
import os
import tempfile


@functools.cache
def kernel_manager_class():
    """The class of kernel manager a notebook's kernel starts with: jupyter_client's, with two changes.

    - Where ZeroMQ has IPC sockets (not on Windows), the kernel talks over them, in a private temporary folder,
      instead of plain-text TCP on localhost (which makes every kernel print "Kernel is running over TCP without
      encryption"); the folder goes with the kernel.
    - A kernel whose notebook has finished is shut down without the interrupt (SIGINT) jupyter_client sends first
      to stop running code: nothing runs, and a kernel caught in a message handler by that signal printed
      "KeyboardInterrupt caught in kernel" after a successful run. A notebook that times out is still
      interrupted (`interrupt_kernel` is not changed)."""
    import shutil

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class QuietKernelManager(AsyncKernelManager):
        @default("transport")
        def _transport_default(self) -> str:
            return "tcp" if os.name == "nt" else "ipc"

        @default("ip")
        def _ip_default(self) -> str:
            if self.transport != "ipc":
                return super()._ip_default()
            self._socket_dir = tempfile.mkdtemp(prefix="vgslib-kernel-")
            return os.path.join(self._socket_dir, "kernel")  # ZeroMQ adds -1 ... -5, removed at shutdown

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and getattr(self, "_socket_dir", None):
                shutil.rmtree(self._socket_dir, ignore_errors=True)

    return QuietKernelManager
