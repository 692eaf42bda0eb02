"""The example notebooks run top to bottom and are committed without outputs.

Each notebook is executed once (module-scoped fixture) in a fresh ``python3``
kernel from this environment's ipykernel, with the notebooks folder as the
working directory, as when a user opens it in Jupyter. The tests then check
that no cell raised, that the charts were drawn (PNG outputs) and that known
text appears (the cited 6,238 BTC, scenario names). Execution times are
printed (``pytest -s``) and attached to the test report as a user property.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from support import PROJECT

ROOT = PROJECT
NOTEBOOKS = ROOT / "notebooks"
NAMES = [
    "01_quickstart",
    "02_el_salvador_reserve",
    "03_pakistan_mining",
    "04_compare_policies",
]
CELL_TIMEOUT_S = 120
#: Guard against a notebook growing far too slow (each runs in well under a minute;
#: the margin covers a cold numba cache, which compiles the kernel once).
NOTEBOOK_BUDGET_S = 180

#: Per notebook: the least number of PNG outputs and texts that must appear in the outputs.
EXPECTED: dict[str, tuple[int, list[str]]] = {
    "01_quickstart": (1, ["baseline", "6,238", "cited", "assumptions", "value_usd"]),
    "02_el_salvador_reserve": (
        5,
        ["6,238", "CryptoSlate", "gbm", "powerlaw", "csv", "P(below cost)"],
    ),
    "03_pakistan_mining": (
        2,
        [
            "2,000 MW",
            "EH/s",
            "pakistan_cost_reflective_tariff",
            "pakistan_mining_and_ai",
            "common random numbers",
        ],
    ),
    "04_compare_policies": (
        4,
        ["el_salvador_accumulate", "common random numbers", "market.price.expected_return"],
    ),
}


def _outputs_text(nb: Any) -> str:
    """All text in a notebook's outputs: streams, plain text and HTML of results."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "\n".join(str(p) for p in parts)


def _png_count(nb: Any) -> int:
    return sum(
        "image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", [])
    )


@pytest.fixture(scope="module", params=NAMES)
def executed(request: pytest.FixtureRequest) -> tuple[str, Any, float]:
    """Execute one notebook; skip only if the Jupyter kernel cannot start."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed: no kernel to run")
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed: no kernel to run")
    name = request.param
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    started: list[bool] = []
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        allow_errors=True,  # errors are collected and reported by the test below
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        on_notebook_start=lambda notebook: started.append(True),
    )
    t0 = time.perf_counter()
    try:
        client.execute()
    except Exception as exc:
        if not started:
            pytest.skip(f"the Jupyter kernel 'python3' could not start: {exc!r}")
        raise
    seconds = time.perf_counter() - t0
    print(f"\n{name}.ipynb executed in {seconds:.1f} s")
    return name, nb, seconds


def test_notebook_runs_without_errors(
    executed: tuple[str, Any, float], record_property: Any
) -> None:
    name, nb, seconds = executed
    record_property(f"{name}_seconds", round(seconds, 1))
    errors = [
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, f"{name}.ipynb raised:\n" + "\n".join(errors)
    unrun = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count is None
    ]
    assert not unrun, f"{name}.ipynb: code cells not executed: {unrun}"
    assert seconds < NOTEBOOK_BUDGET_S, f"{name}.ipynb took {seconds:.0f} s"


def test_notebook_draws_and_reports(executed: tuple[str, Any, float]) -> None:
    name, nb, _ = executed
    min_png, texts = EXPECTED[name]
    assert _png_count(nb) >= min_png, f"{name}.ipynb: expected at least {min_png} PNG charts"
    text = _outputs_text(nb)
    missing = [t for t in texts if t not in text]
    assert not missing, f"{name}.ipynb: outputs lack {missing}"
    assert "Traceback" not in text


def test_notebooks_present() -> None:
    found = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_committed_clean(name: str) -> None:
    """No outputs or execution counts in the committed file, and the kernel is python3."""
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{name}.ipynb: clear outputs and execution counts of cells {dirty}"
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "scenarios/baseline.toml" in "".join(first_code["source"]), "root finder missing"
