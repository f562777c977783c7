"""Open an HTML file in headless Chromium and read back what a small page script measured (no extra packages)."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

WIDTH = 1200  # the window width of every check, so that the page lays out the same in all of them
BROWSER_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=10000", "--hide-scrollbars", "--force-device-scale-factor=1",
    "--force-color-profile=srgb",
]
CHROMIUM_FLAGS = [*BROWSER_FLAGS, f"--window-size={WIDTH},900", "--dump-dom"]

# After load: which images decoded, which elements exist, and any reference that leaves the page.
CHECK_SCRIPT = """<script>
window.addEventListener('load', () => {
  const images = [...document.images];
  const refs = [...document.querySelectorAll('[src],[href]')]
    .map(e => e.getAttribute('src') || e.getAttribute('href'))
    .filter(u => !u.startsWith('data:') && !u.startsWith('#'));
  const count = sel => document.querySelectorAll(sel).length;
  const painted = i => {  // drawn onto a canvas, the image has more than one colour
    if (!(i.complete && i.naturalWidth > 0)) return false;
    const c = document.createElement('canvas');
    c.width = i.naturalWidth; c.height = i.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(i, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let k = 4; k < d.length; k += 4) {
      if (d[k] !== d[0] || d[k + 1] !== d[1] || d[k + 2] !== d[2]) return true;
    }
    return false;
  };
  const box = e => {  // the image's content box on the page: left, top, width, height
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return [r.left + window.scrollX + parseFloat(s.borderLeftWidth),
            r.top + window.scrollY + parseFloat(s.borderTopWidth), e.clientWidth, e.clientHeight];
  };
  const result = {
    images: images.length,
    loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
    image_alts: images.map(i => i.alt),
    painted: images.filter(painted).length,
    height: document.documentElement.scrollHeight,
    gallery: count('#mistakes-gallery img'),
    gallery_boxes: [...document.querySelectorAll('#mistakes-gallery img')].map(box),
    gallery_captions: [...document.querySelectorAll('#mistakes-gallery figcaption')].map(f => f.textContent),
    confused_pairs: count('#confused-pairs tbody tr'),
    reliability: !!document.querySelector('#reliability-diagram'),
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


def screenshot(html_file: Path, png: Path, height: int) -> Path:
    """A PNG of the page as headless Chromium paints it, WIDTH x `height` pixels from its top."""
    profile = png.parent / "screenshot-profile"
    done = subprocess.run([chromium(), *BROWSER_FLAGS, f"--window-size={WIDTH},{height}", f"--screenshot={png}",
                           f"--user-data-dir={profile}", html_file.as_uri()], capture_output=True, text=True,
                          timeout=120)
    assert png.is_file(), f"no screenshot (exit {done.returncode}): {done.stderr[-500:]}"
    return png


def shown_differences(png: Path, boxes: list[list[float]], thumbnails: list[str]) -> list[float]:
    """For each image box of the page (left, top, width, height), the mean absolute difference (0-255) between the
    screenshot there, shrunk to the thumbnail's size, and the thumbnail itself (a base64 PNG)."""
    shot = Image.open(png).convert("RGB")
    out = []
    for (left, top, width, height), data in zip(boxes, thumbnails):
        thumb = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
        left, top = round(left), round(top)
        region = shot.crop((left, top, left + round(width), top + round(height)))
        shown = np.asarray(region.resize(thumb.size, Image.Resampling.BOX), dtype=np.float64)
        out.append(float(np.abs(shown - np.asarray(thumb, dtype=np.float64)).mean()))
    return out


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
