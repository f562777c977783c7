"""Open an HTML file in headless Chromium and read back what a small page script measured (no extra packages)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=10000", "--dump-dom",
]

# After load: which images decoded, which elements exist, and any reference that leaves the page.
CHECK_SCRIPT = """<script>
window.addEventListener('load', () => {
  const images = [...document.images];
  const refs = [...document.querySelectorAll('[src],[href]')]
    .map(e => e.getAttribute('src') || e.getAttribute('href'))
    .filter(u => !u.startsWith('data:') && !u.startsWith('#'));
  const count = sel => document.querySelectorAll(sel).length;
  const result = {
    images: images.length,
    loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
    image_alts: images.map(i => i.alt),
    external_refs: refs,
    leaderboard_chart: !!document.querySelector('#leaderboard-chart'),
    leaderboard_rows: [...document.querySelectorAll('#leaderboard-table tbody tr')]
      .map(tr => tr.children[1].textContent),
    grids: [...document.querySelectorAll('table.grid')].map(t => t.dataset.plan),
    grid_cells: count('table.grid td'),
    trained_cells: count('table.grid td.train'),
    confusion: !!document.querySelector('#confusion-matrix'),
    data_rows: count('#data-table tbody tr'),
    descriptions: count('#descriptions details'),
    winner: (document.querySelector('#winner') || {}).textContent || '',
  };
  const out = document.createElement('pre');
  out.id = 'tk-check';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    """The Chromium binary, or skip (fail when TRANSFERKIT_REQUIRE_BROWSER is set, as in .ci/run)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "headless Chromium is not installed (apt-get install -y chromium; .ci/run installs it)"
        if os.environ.get("TRANSFERKIT_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def inspect_page(html_file: Path, workdir: Path) -> dict:
    """Load a copy of `html_file` with CHECK_SCRIPT added, in headless Chromium; return the script's findings."""
    workdir.mkdir(parents=True, exist_ok=True)
    page = workdir / "checked.html"
    page.write_text(html_file.read_text(encoding="utf-8").replace("</body>", CHECK_SCRIPT + "</body>"),
                    encoding="utf-8")
    profile = workdir / "profile"
    done = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="tk-check">(.*?)</pre>', done.stdout, re.DOTALL)
    assert match, f"the page check did not run (exit {done.returncode}): {done.stderr[-500:]}"
    text = match.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return json.loads(text)
