"""Pieces of every report page: the style sheet, the page itself, embedded figures and tables."""

from __future__ import annotations

from html import escape

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;
padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:2px solid #eee;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}th,td{border:1px solid #ddd;padding:.3rem .5rem;
vertical-align:top}thead th{background:#f5f5f5}caption{caption-side:top;text-align:left;font-weight:600;
padding:.3rem 0}.num{text-align:right}tr.winner td{background:#e8f5e9;font-weight:600}tr.dim td{color:#888}
.grid td.train{background:#c8e6c9}.grid td.frozen{background:#eceff1;color:#555}.grid td{min-width:8rem;font-size:.8rem}
.winner-box{background:#e8f5e9;border-left:5px solid #2e7d32;padding:.7rem 1rem;margin:1rem 0}
.note{color:#666;font-size:.85rem}img{max-width:100%;height:auto}details{margin:.3rem 0}
details p{font-size:.85rem;background:#fafafa;padding:.5rem;border:1px solid #eee}
.gallery{display:flex;flex-wrap:wrap;gap:.7rem;margin:.6rem 0}figure.mistake{margin:0;width:104px;font-size:.72rem;
line-height:1.25}figure.mistake img{width:96px;height:96px;object-fit:contain;image-rendering:pixelated;
background:#000;display:block;border:4px solid #c62828}figure.mistake.correct img{border-color:#2e7d32}
"""


def img(data: str, alt: str, css_id: str = "") -> str:
    """The figure as an <img>; where it was left out (data ""), a note saying how to draw it."""
    if not data:
        return (f'<p class="note">Figure left out here ({escape(alt)}): the comparison\'s report.html draws it, and '
                "<code>transferkit report DIR</code> redraws this page with every figure.</p>")
    ident = f' id="{css_id}"' if css_id else ""
    return f'<img{ident} alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def table(headers: list[str], rows: list[list[str]], css_id: str = "", css_class: str = "",
          row_classes: list[str] | None = None) -> str:
    ident = f' id="{css_id}"' if css_id else ""
    cls = f' class="{css_class}"' if css_class else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        rc = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{rc}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    return f"<table{ident}{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def page_html(title: str, body: str) -> str:
    """One self-contained page: the shared style sheet and `body`."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")
