"""docs/quickstart.ipynb runs, top to bottom, in a Jupyter kernel (nbclient), and shows what it says."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "quickstart.ipynb"


def test_the_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


@pytest.mark.slow
def test_the_quickstart_notebook_runs_and_shows_each_step(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    seconds = time.perf_counter() - started
    print(f"quickstart notebook: {seconds:.1f} s")
    assert seconds < 90  # a quick start (about 15-25 s on two cores)
    cells = {cell.id: cell for cell in notebook.cells if cell.cell_type == "code"}

    def text(cell_id: str) -> str:
        parts = []
        for output in cells[cell_id].outputs:
            parts.append(output.get("text", "") + output.get("data", {}).get("text/plain", ""))
        return "\n".join(parts)

    assert "14,000 residents" in text("baseline") and "closure rate" in text("baseline")
    assert "shishi_baseline" in text("compare") and "staffing_12" in text("compare")
    assert "12 runs (0 already stored)" in text("sweep")
    assert "12 runs stored" in text("read") and "bottom_up" in text("read") and "three_level" in text("read")
    assert any("image/png" in output.get("data", {}) for output in cells["plot"].outputs)
    assert len(list((tmp_path / "results" / "quickstart" / "sweep" / "runs").glob("part-*.parquet"))) >= 1
