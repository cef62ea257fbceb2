from __future__ import annotations
from typing import Dict
from matrix.model import ResultsFile
def render_readme(results: Dict[str, ResultsFile]) -> str:
    return "stub\n"
