"""Running the workbooks: the batch runner (:mod:`.runner`), what a notebook writes
(:mod:`.report`), the HTML reports (:mod:`.html`), the dashboard server (:mod:`.serve`) and
the command line (:mod:`.cli`)."""
