"""The stage through the generated Python client (gen/py) against the real server."""

import io

import pytest
from PIL import Image

from vitrine_thrift.ttypes import PushHtml, PushResult, PushUrl, WindowNotFound


def center_pixel(png):
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def test_fetch_url_from_a_local_web_server_shows_the_page(client, web):
    base, root = web
    (root / "lobby.html").write_text(
        "<!doctype html><html><body style='margin:0;background:#3366cc'>lobby</body></html>")
    url = base + "lobby.html"
    assert client.fetchUrl(PushUrl(name="lobby", url=url)) == PushResult.OK
    assert client.whatsLoaded() == "lobby"
    assert client.currentUrl() == url
    assert center_pixel(client.screenshot(0)) == (0x33, 0x66, 0xcc)


def test_http_error_page_is_load_failed_and_the_stage_keeps_its_page(client, web):
    base, _ = web
    assert client.postHtml(PushHtml(name="kept", data="<body style='background:#224466'></body>")) == PushResult.OK
    assert client.fetchUrl(PushUrl(name="missing", url=base + "no-such-page.html")) == PushResult.LOAD_FAILED
    assert client.whatsLoaded() == "kept"
    assert center_pixel(client.screenshot(0)) == (0x22, 0x44, 0x66)


def test_unreachable_url_is_load_failed_and_the_server_carries_on(client):
    assert client.fetchUrl(PushUrl(name="down", url="http://127.0.0.1:1/")) == PushResult.LOAD_FAILED
    client.ping()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "no scheme", ""])
def test_forbidden_and_malformed_urls_are_invalid_argument(client, url):
    assert client.fetchUrl(PushUrl(name="bad", url=url)) == PushResult.INVALID_ARGUMENT


def test_post_html_with_unicode_is_shown(client):
    html = "<!doctype html><html><head><title>Café ☕</title></head><body style='background:#00ff00'>Grüße</body></html>"
    assert client.postHtml(PushHtml(name="café ☕", data=html)) == PushResult.OK
    assert client.whatsLoaded() == "café ☕"
    assert center_pixel(client.screenshot(0)) == (0, 255, 0)


def test_compact_protocol_over_tcp(server):
    client, transport = server.connect(tcp=True, compact=True)
    try:
        client.ping()
        assert client.postHtml(PushHtml(name="compact", data="<body style='background:#ff00ff'></body>")) == PushResult.OK
        assert client.whatsLoaded() == "compact"
        assert client.serverInfo().platform == "offscreen"
    finally:
        transport.close()


def test_screenshot_of_an_unknown_window_raises(client):
    with pytest.raises(WindowNotFound) as raised:
        client.screenshot(777)
    assert raised.value.windowId == 777
    client.ping()  # the connection is still usable


def test_server_info_counts_connections(server, client):
    second, transport = server.connect()
    try:
        info = second.serverInfo()
        assert info.connections >= 2
        assert info.callsServed >= 1
        assert info.uptimeMs >= 0
        assert info.version == "0.1.0"
    finally:
        transport.close()
