"""Drive Debian's headless Chromium with Selenium against a locally served copy of the built site.

Nothing here downloads a browser or a driver: both come from the Debian packages `chromium` and
`chromium-driver` (``make test`` installs them), and their paths are given to Selenium explicitly
so that Selenium Manager is never consulted.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The machine has no outside network: keep Chromium from phoning home, and give it a fresh profile.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WINDOW = (1280, 1000)
INSTALL_HINT = (
    "install the Debian packages with `apt-get install -y chromium chromium-driver fonts-noto-cjk` "
    "(`make test` runs scripts/install-system-deps.sh, which does it when they are missing)"
)
# Schemes whose "requests" never leave the page: inline data and in-memory objects.
LOCAL_SCHEMES = {"data", "blob", "about"}

# Fontconfig configuration that hides every font able to show Chinese: Chromium started with it
# renders the site the way a machine without fonts-noto-cjk does.
FONTCONFIG_WITHOUT_CHINESE = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont>
    <rejectfont>
      <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
    </rejectfont>
  </selectfont>
</fontconfig>
"""

# Draws each distinct Han character of an element's text alone on a canvas, in the element's own
# computed font, and fingerprints the pixels. Without a font that has the glyph, Chromium draws the
# same missing-glyph box for every character, so the fingerprints collapse to one.
HAN_GLYPHS_JS = r"""
const el = document.querySelector(arguments[0]);
if (!el) return null;
const style = getComputedStyle(el);
const font = `${style.fontWeight} 40px ${style.fontFamily}`;
const canvas = document.createElement('canvas');
canvas.width = 64; canvas.height = 64;
const ctx = canvas.getContext('2d', {willReadFrequently: true});
ctx.font = font; ctx.textBaseline = 'top';
const chars = [...new Set([...el.textContent].filter(ch => /\p{Script=Han}/u.test(ch)))];
return {font, glyphs: chars.map(ch => {
  ctx.clearRect(0, 0, 64, 64);
  ctx.fillText(ch, 8, 8);
  const alpha = ctx.getImageData(0, 0, 64, 64).data;
  let ink = 0, hash = 0;
  for (let i = 3; i < alpha.length; i += 4) {
    if (alpha[i]) ink++;
    hash = (Math.imul(hash, 31) + alpha[i]) | 0;
  }
  return {char: ch, ink, hash};
})};
"""


class BrowserUnavailable(RuntimeError):
    """Chromium or its driver is missing or would not start; the message says why."""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 at a free port; yields the root URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def start_chromium(profile: Path, env: Mapping[str, str] | None = None) -> WebDriver:
    """Start headless Chromium with a fresh profile in ``profile``, logging console and network."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.is_file():
            raise BrowserUnavailable(f"{path} not found (Debian package {package}); {INSTALL_HINT}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = Service(str(CHROMEDRIVER), env={**os.environ, **(env or {})})
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as err:
        raise BrowserUnavailable(
            f"Chromium did not start: {err.msg or err}\n{_run_alone(profile, env)}\n{INSTALL_HINT}"
        ) from err
    driver.set_page_load_timeout(30)
    return driver


def _run_alone(profile: Path, env: Mapping[str, str] | None) -> str:
    """Start Chromium without the driver to show what it prints when it fails."""
    command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}-alone"]
    try:
        done = subprocess.run(
            [*command, "--dump-dom", "about:blank"],
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"running {CHROMIUM} directly failed too: {err}"
    output = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
    return f"{CHROMIUM} run directly exited with status {done.returncode}:\n{output}"


@dataclass
class Traffic:
    """What a page did: every URL it requested and every console error it logged."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    network_events: int = 0

    def __iadd__(self, other: Traffic) -> Traffic:
        self.requests += other.requests
        self.console_errors += other.console_errors
        self.network_events += other.network_events
        return self

    def foreign(self, root: str) -> list[str]:
        """Requests that went anywhere but the local server at ``root``."""
        origin = urlsplit(root).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).netloc != origin
        ]


def _shorten(url: str) -> str:
    return url if not url.startswith("data:") else url[:60] + "..."


def drain(driver: WebDriver) -> Traffic:
    """Take the requests and console errors logged since the last drain."""
    traffic = Traffic()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message["method"], message.get("params", {})
        if method.startswith("Network."):
            traffic.network_events += 1
        if method == "Network.requestWillBeSent":
            traffic.requests.append(_shorten(params["request"]["url"]))
        elif method == "Network.webSocketCreated":
            traffic.requests.append(params["url"])
    for entry in driver.get_log("browser"):
        if entry["level"] == "SEVERE":
            traffic.console_errors.append(entry["message"])
    return traffic


def settle(
    driver: WebDriver, expect: Sequence[str] = (), quiet: float = 0.5, limit: float = 30.0
) -> Traffic:
    """Collect traffic until each URL ending in one of ``expect`` was requested and the network has
    been idle for ``quiet`` seconds since, so that late fetches (web workers) are recorded too."""
    traffic = Traffic()
    start = last = time.monotonic()
    while True:
        got = drain(driver)
        now = time.monotonic()
        if got.network_events:
            last = now
        traffic += got
        seen = all(any(url.endswith(end) for url in traffic.requests) for end in expect)
        if (seen and now - last >= quiet) or now - start >= limit:
            return traffic
        time.sleep(0.1)


def han_glyphs(driver: WebDriver, selector: str) -> dict | None:
    """Pixel fingerprints of the distinct Han characters in the element at ``selector``."""
    return driver.execute_script(HAN_GLYPHS_JS, selector)


def tofu_problem(report: dict | None) -> str | None:
    """Why the fingerprints show missing glyphs, or None when the characters render distinctly."""
    if report is None:
        return "no element to measure"
    glyphs = report["glyphs"]
    if len(glyphs) < 2:
        return f"need at least two distinct Han characters to compare, got {glyphs}"
    blank = [g["char"] for g in glyphs if g["ink"] == 0]
    if blank:
        return f"characters drawn with no ink: {''.join(blank)} (font {report['font']})"
    if len({g["hash"] for g in glyphs}) < len(glyphs):
        return (
            f"{len(glyphs)} different characters drew only {len({g['hash'] for g in glyphs})} "
            f"different shapes (missing-glyph boxes) in font {report['font']}"
        )
    return None


# Whether a reader can read the page: how far the body overflows the viewport sideways, and the
# WCAG contrast ratio of every piece of text in the elements matching the selector, from the
# computed colours (text composited over the backgrounds behind it, as the browser paints them).
READABILITY_JS = r"""
const rgba = c => {
  const p = c.match(/rgba?\(([^)]*)\)/)[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
const over = (top, under) => top.slice(0, 3).map((v, i) => v * top[3] + under[i] * (1 - top[3]));
const luminance = rgb => {
  const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const behind = el => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] >= 1) break;
  }
  // The canvas under an all-transparent page is white.
  return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255]);
};
const checked = [];
for (const el of document.querySelectorAll(arguments[0])) {
  for (const node of [el, ...el.querySelectorAll('*')]) {
    const own = [...node.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('').trim();
    if (!own || node.getClientRects().length === 0) continue;
    const bg = behind(node);
    const fg = over(rgba(getComputedStyle(node).color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    checked.push({text: own.slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05),
                  color: getComputedStyle(node).color, background: `rgb(${bg.map(Math.round)})`});
  }
}
checked.sort((a, b) => a.ratio - b.ratio);
return {overflow: document.body.scrollWidth - window.innerWidth, width: window.innerWidth,
        scheme: document.body.getAttribute('data-md-color-scheme'),
        texts: checked.length, worst: checked.slice(0, 5)};
"""


def readability(driver: WebDriver, selector: str) -> dict:
    """Sideways overflow of the page and the lowest text contrast inside ``selector``."""
    return driver.execute_script(READABILITY_JS, selector)


@contextmanager
def phone_viewport(driver: WebDriver, width: int = 390, height: int = 844) -> Iterator[None]:
    """Emulate a phone's viewport (CSS pixels, touch layout) until the block ends."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
