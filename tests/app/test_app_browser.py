"""One real-browser test: ``btcsim app`` on loopback, driven in headless Chromium.

Open the page, change the Pakistani tariff, run, and check that a figure and
the summary changed. Skips only where Chromium or its driver is missing (and
``.ci/run`` could not install them), saying why.
"""

from __future__ import annotations

import pytest
from browser import (
    app_server,
    chrome,
    figure_sources,
    missing_browser,
    run_and_wait,
    settled,
    type_into,
    wait_for,
)

pytest.importorskip("streamlit")
pytest.importorskip("selenium")

TARIFF = "mining.pakistan.electricity_usd_per_kwh"


def _ledger_text(driver) -> str:
    from selenium.webdriver.common.by import By

    tables = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stTable']")
    return "\n".join(t.get_attribute("textContent") for t in tables)  # hidden tabs too


def test_change_the_tariff_and_run_in_chromium() -> None:
    why = missing_browser(driver=True)
    if why:
        pytest.skip(why)
    from selenium.webdriver.common.by import By

    with app_server() as url, chrome() as driver:
        driver.get(url)
        wait_for(lambda: settled(driver, 3), what="the first run's three figures")
        before_figures = set(figure_sources(driver))
        before_tables = _ledger_text(driver)
        assert "margin_usd" in before_tables and "±" in before_tables

        field = driver.find_element(By.CSS_SELECTOR, f"input[aria-label='{TARIFF}']")
        assert field.get_attribute("value") == "0.08"
        type_into(field, "0.1")
        wait_for(lambda: "changed since" in driver.page_source, what="the 'inputs changed' note")
        assert f"set={TARIFF}%3D0.1" in driver.current_url  # the URL carries the edit

        run_and_wait(driver)
        after_figures = set(figure_sources(driver))
        after_tables = _ledger_text(driver)
        # the price does not depend on the tariff: the same image; the mining figure changed
        assert len(after_figures & before_figures) >= 1
        assert after_tables != before_tables
