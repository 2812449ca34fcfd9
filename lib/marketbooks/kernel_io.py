"""The output stream of the runner's kernels (``--IPKernelApp.outstream_class``)."""

from __future__ import annotations

from ipykernel.iostream import OutStream


class BatchOutStream(OutStream):
    """ipykernel's ``OutStream`` whose ``flush`` returns at once when nothing was written
    since the last one.

    IPython flushes stdout and stderr before every display and after every cell, and
    ipykernel answers each flush with two hand-offs to its IOPub thread and a wait, even
    when the buffer is empty: a workbook, which prints nothing, makes about 60 of them.
    Text that was written is flushed exactly as before, so it still reaches the notebook
    ahead of the display that follows it.
    """

    _written = True

    def write(self, string: str) -> int | None:  # type: ignore[override]
        count = super().write(string)
        # Set after the text is in the buffer: a flush that finds the flag clear can skip
        # nothing that this write left behind.
        self._written = True
        return count

    def flush(self) -> None:
        if not self._written:
            return
        self._written = False  # before flushing: a write from another thread meanwhile sets it again
        super().flush()
