"""The ways a reader works a dashboard in the browser tests: open it, type into a slider,
wait for a text, upload a file (the tab itself is the `page` fixture of tests/conftest.py)."""

import warnings


def set_slider(page, css: str, value: str) -> None:
    """Type into an ipywidgets slider's editable readout, as a user does."""
    readout = page.locator(f".{css} .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def wait_for_text(page, selector: str, want: str) -> None:
    """Wait until the element's text is exactly ``want`` (the kernel has recomputed it)."""
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel)?.innerText === want", arg=[selector, want], timeout=30_000
    )


def upload(page, path) -> None:
    """Click the upload button and pick a file in the chooser, as a user does."""
    with page.expect_file_chooser() as chooser:
        page.locator(".mb-upload").click()
    chooser.value.set_files(str(path))


WIDGET_RACE = "Error displaying widget: model not found"


def open_dashboard(page, url: str, ready: str):
    """Open a dashboard and wait until ``ready``, an element its widgets draw, shows; return
    its locator.

    Voilà draws a page's outputs while its widget manager is still connecting to the kernel,
    and on a loaded machine it sometimes counts the widgets restored before their models
    arrived: the page then shows WIDGET_RACE where the widgets go. This is upstream
    (Voilà/ipywidgets): measured with two busy cores, 2 of 100 visits with Voilà's own fresh
    kernels and 6 of about 255 with warm ones; idle, 2 of 164 warm and none of 40 fresh. A reader reloads;
    so does this, once, with a warning that says so. The race twice, or anything else
    missing, fails the test."""
    for attempt in (1, 2):
        page.goto(url, timeout=90_000)
        page.wait_for_function(
            "([ready, race]) => document.querySelector(ready) || document.body.innerText.includes(race)",
            arg=[ready, WIDGET_RACE],
            timeout=90_000,
        )
        shown = page.locator(ready).first
        if shown.count():
            return shown
        warnings.warn(f"{url}: {WIDGET_RACE} (attempt {attempt}); reloading", stacklevel=2)
    raise AssertionError(f"{url}: {WIDGET_RACE} on two visits in a row")
