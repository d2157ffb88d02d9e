#!/usr/bin/env python3
"""Check a SchedLab HTML report as Chromium rendered it.

Usage: check_report.py DOM.html SCREENSHOT.png PLOTS
DOM.html is `chromium --headless --dump-dom` of the report; the check wants exactly PLOTS `svg.plot`
elements, each with data marks (`.mark`), two axis labels (`.axis-label`) and a legend (`.legend`
with at least one entry), a title, no script element and no external resource; and a screenshot
that is not blank (its pixels take more than a handful of values). Prints one line, exits 0 or 1.
"""
import struct
import sys
import zlib
from html.parser import HTMLParser


class Plots(HTMLParser):
    def __init__(self):
        super().__init__()
        self.plots = []
        self.depth = 0
        self.scripts = 0
        self.external = []
        self.legend_depth = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(a[key])
        if tag == "svg" and "plot" in classes:
            self.plots.append({"marks": 0, "labels": 0, "legend": 0, "title": False})
        if not self.plots:
            return
        plot = self.plots[-1]
        if "mark" in classes:
            plot["marks"] += 1
        if "axis-label" in classes:
            plot["labels"] += 1
        if "title" in classes:
            plot["title"] = True
        if "legend" in classes:
            self.legend_depth = 0
        elif self.legend_depth is not None and tag == "text":
            plot["legend"] += 1

    def handle_endtag(self, tag):
        if tag == "g" and self.legend_depth is not None:
            self.legend_depth = None


def png_values(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", body[:4])[0]
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    # Distinct byte values of the filtered scanlines: a blank page has very few.
    return width, len(set(raw[: 4_000_000]))


def main():
    dom, png, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
    parser = Plots()
    parser.feed(open(dom, encoding="utf-8").read())
    problems = []
    if len(parser.plots) != expected:
        problems.append(f"{len(parser.plots)} plots, expected {expected}")
    for i, p in enumerate(parser.plots):
        if p["marks"] == 0:
            problems.append(f"plot {i}: no data marks")
        if p["labels"] != 2:
            problems.append(f"plot {i}: {p['labels']} axis labels")
        if p["legend"] == 0:
            problems.append(f"plot {i}: no legend entry")
        if not p["title"]:
            problems.append(f"plot {i}: no title")
    if parser.scripts:
        problems.append(f"{parser.scripts} script elements")
    if parser.external:
        problems.append(f"external resources: {parser.external[:3]}")
    width, values = png_values(png)
    if values < 16:
        problems.append(f"the screenshot looks blank ({values} distinct byte values)")
    if problems:
        print("report: " + "; ".join(problems))
        return 1
    marks = sum(p["marks"] for p in parser.plots)
    print(f"ok: {len(parser.plots)} plots, {marks} data marks, axis labels and legends on each; screenshot {width} px wide, {values} distinct byte values")
    return 0


if __name__ == "__main__":
    sys.exit(main())
