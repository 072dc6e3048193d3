#!/usr/bin/python3
"""timeline_chromium.py HARNESS SCENARIO_DIR - shipped scenarios' timelines
in a real browser: Debian's chromium, headless (tools/deps.sh test installs
it).  For each page: it loads and its script runs without an error (the
page counts errors in <body data-errors>, and sets data-ready=1 when its
script has run: --dump-dom returns once the page has loaded, so nothing
here waits on the wall clock), and a screenshot wide enough for every lane
is a PNG that is not blank and shows each lane's header box in its colour.
Network is refused (--host-resolver-rules): a page that fetched anything
would not be self-contained.  Wall-clock timeouts only bound a hung browser.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

BOUND_S = 120  # a failing (hung) browser only; a healthy run takes seconds
SCENARIOS = {  # scenario -> the lanes its timeline must show
    "foat_corrupt_block": ["host", "module"],
    "lwm2m_server_module": ["host", "module", "lwm2m server"],
    "ufota_campaign": ["host", "module", "lwm2m server", "campaign"],
}


def chromium_args(profile, extra):
    return ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
            "--host-resolver-rules=MAP * ~NOTFOUND", "--force-device-scale-factor=1",
            "--hide-scrollbars"] + extra


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and ctype in (2, 6) and not interlace, ihdr
    bpp = 4 if ctype == 6 else 3
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def check_page(html_path, lanes, work):
    html = open(html_path, encoding="utf-8").read()
    heads = dict(re.findall(r'<g class="lane-head" data-lane="([^"]+)"><rect [^>]*fill="#([0-9a-fA-F]{6})"', html))
    for lane in lanes:
        assert lane in heads, "%s: no lane %r in the page (%s)" % (html_path, lane, sorted(heads))
    width = int(re.search(r'<svg id="lanes"[^>]* width="(\d+)"', html).group(1)) + 80
    url = "file://" + os.path.abspath(html_path)

    dom = subprocess.run(chromium_args(os.path.join(work, "p1"), ["--dump-dom", url]),
                         capture_output=True, text=True, timeout=BOUND_S)
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body, "no <body> in the loaded page"
    assert 'data-ready="1"' in body.group(0), "the page's script did not run: " + body.group(0)
    assert 'data-errors="0"' in body.group(0), "the page had script errors: " + body.group(0)
    assert '<svg id="timeline"' in dom.stdout

    shot = os.path.join(work, os.path.basename(html_path) + ".png")
    r = subprocess.run(chromium_args(os.path.join(work, "p2"),
                                     ["--window-size=%d,700" % width, "--screenshot=" + shot, url]),
                       capture_output=True, text=True, timeout=BOUND_S)
    assert r.returncode == 0 and os.path.getsize(shot) > 0, r.stderr[-2000:]
    w, h, rows = png_pixels(shot)
    assert (w, h) == (width, 700), (w, h)
    colours = set()
    for row in rows[::4]:
        colours.update(row[::4])
    assert len(colours) > 20, "a blank screenshot (%d colours)" % len(colours)
    for lane in lanes:
        rgb = tuple(int(heads[lane][i:i + 2], 16) for i in (0, 2, 4))
        n = sum(row.count(rgb) for row in rows)
        assert n > 1000, "lane %r: its header box (#%s) is not on the screenshot (%d pixels)" % (lane, heads[lane], n)
    print("ok  %s: loads without errors, %dx%d screenshot, lanes %s" % (os.path.basename(html_path), w, h, lanes))


def main():
    harness, scenario_dir = sys.argv[1], sys.argv[2]
    if not shutil.which("chromium"):
        print("chromium is not installed: tools/deps.sh test installs it", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="sarasim-chromium-")
    try:
        files = [os.path.join(scenario_dir, s + ".json") for s in SCENARIOS]
        r = subprocess.run([harness, "--timeline", os.path.join(work, "tl")] + files,
                           capture_output=True, text=True, timeout=BOUND_S)
        assert r.returncode == 0, r.stdout + r.stderr
        for s, lanes in SCENARIOS.items():
            check_page(os.path.join(work, "tl", s + ".html"), lanes, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
