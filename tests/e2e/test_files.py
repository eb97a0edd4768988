"""Photos and files in real Chromium (issue 13): a photo dropped on the
board (a synthetic DataTransfer carrying a real JPEG made by Pillow) shows
as a thumbnail in a second browser live and on the hub screen, opens in the
viewer (keyboard: arrows, Esc), and is removed by its author; an upload is
cancelled halfway; a disguised file gets a clear error; and a phone takes a
photo with its camera input, which reaches everyone without its GPS tag.

Screenshots (laptop, phone, hub screen) go to test-artifacts/screenshots/."""

from __future__ import annotations

import base64
import io
import math
import re
import struct
import wave
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import FilePayload, Page, expect

from tests.e2e.conftest import (
    UNIT_MS,
    WEB,
    Browsers,
    Server,
    add_card,
    card,
    join,
    shot,
    wait_connected,
)
from tests.e2e.test_csp import WATCH_CSP
from tests.support.pages import Pages, og_page

pytestmark = pytest.mark.e2e

#: Drops files on the element at `selector` (at the point x, y when given):
#: the events a browser fires for a drag from the desktop.
DROP = """
async ([selector, files, x, y]) => {
  const dt = new DataTransfer();
  for (const [b64, name, type] of files) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    dt.items.add(new File([bytes], name, { type }));
  }
  const el = document.querySelector(selector);
  const r = el.getBoundingClientRect();
  const at = { clientX: x ?? r.left + r.width / 2, clientY: y ?? r.top + r.height / 2 };
  const target = document.elementFromPoint(at.clientX, at.clientY) ?? el;
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { bubbles: true, cancelable: true, dataTransfer: dt, ...at };
    target.dispatchEvent(new DragEvent(type, init));
  }
}
"""


#: Pastes a PNG (a screenshot on the clipboard) onto the page.
PASTE = """
(b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], "image.png", { type: "image/png" }));
  const init = { bubbles: true, cancelable: true, clipboardData: dt };
  document.body.dispatchEvent(new ClipboardEvent("paste", init));
}
"""


def sketch_jpeg(label: str, size: tuple[int, int] = (1200, 900), gps: bool = False) -> bytes:
    """A photo of a whiteboard sketch: some shapes and a label, as a JPEG
    (with a GPS position in its EXIF when asked, as a phone writes it)."""
    img = Image.new("RGB", size, (244, 241, 234))
    d = ImageDraw.Draw(img)
    w, h = size
    d.rectangle((w // 12, h // 10, w // 2, h // 2), outline=(31, 95, 191), width=12)
    d.ellipse((w // 2, h // 3, w - w // 10, h - h // 8), outline=(179, 38, 30), width=12)
    d.line((w // 12, h - h // 6, w // 2, h // 2 + h // 6), fill=(30, 125, 50), width=14)
    d.text((w // 10, h // 10 + 20), label, fill=(20, 20, 20), font_size=max(24, h // 10))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        # GPSInfo: 52°22' N, 4°54' E (Amsterdam), the tag a phone camera writes.
        exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (4.0, 54.0, 0.0)}
    img.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def wav_bytes(seconds: float = 0.5) -> bytes:
    """A short beep as a WAV file (16-bit mono, 8 kHz)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        n = int(8000 * seconds)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(n)))
    return out.getvalue()


def noise_jpeg(size: tuple[int, int]) -> bytes:
    """A JPEG that does not compress: big enough to watch its upload."""
    img = Image.effect_noise(size, 90).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95)
    return out.getvalue()


def payload(name: str, data: bytes) -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def drop(
    page: Page,
    selector: str,
    files: list[tuple[bytes, str, str]],
    at: tuple[int, int] | None = None,
) -> None:
    payload = [[base64.b64encode(data).decode(), name, mime] for data, name, mime in files]
    page.evaluate(DROP, [selector, payload, at[0] if at else None, at[1] if at else None])


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it is (evaluated through the
    DevTools protocol, which the page's CSP does not govern)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate((WEB / "node_modules" / "axe-core" / "axe.min.js").read_text() + "\n;0")
    result: dict[str, Any] = page.evaluate("async () => await window.axe.run(document)")
    return [f"{v['id']}: {v['help']} — {v['nodes'][0]['html'][:120]}" for v in result["violations"]]


def photo_card(page: Page, alt: str) -> Any:
    """The card whose thumbnail stands for `alt` (its title, else the file name)."""
    return page.locator("[data-testid=card]", has=page.locator(f"img[alt='{alt}']"))


def test_a_dropped_photo_shows_live_opens_and_is_removed(server: Server, people: Browsers) -> None:
    links = server.create_board("Project wall", "wall")["links"]
    ann = people.page()
    bob = people.page()
    for p in (ann, bob):
        p.add_init_script(WATCH_CSP)
    join(ann, links["participant"], "Ann")
    join(bob, links["participant"], "Bob")
    wall = people.page(1920, 1080)
    wall.goto(links["viewer"])
    wait_connected(wall)

    # Ann drops a photo on an empty spot of the wall: a new card with it,
    # thumbnail and all, at Bob's and on the hub screen.
    drop(
        ann,
        "[data-testid=layout-wall]",
        [(sketch_jpeg("Bike sheds"), "bike-sheds.jpg", "image/jpeg")],
        at=(700, 300),
    )
    thumb = bob.locator("[data-testid=file-thumb][data-loaded=true] img[alt='bike-sheds.jpg']")
    expect(thumb).to_be_visible(timeout=15 * UNIT_MS)
    box = thumb.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 50
    expect(
        wall.locator("[data-testid=tile-pic][data-loaded=true] img[alt='bike-sheds.jpg']")
    ).to_be_visible()
    # Where it was dropped (the wall starts 16 px in; a card is held 40 px left of the pointer).
    expect(photo_card(bob, "bike-sheds.jpg")).to_have_css("left", "644px")
    # Read-only views have no upload controls.
    expect(wall.get_by_test_id("board-attach-camera")).to_have_count(0)

    # Onto her own card: the photo and a PDF go to that card, in order.
    add_card(ann, "Whiteboard", "Session 2")
    pdf = io.BytesIO()
    Image.new("RGB", (595, 842), (255, 255, 255)).save(pdf, "PDF")
    drop(
        ann,
        "[data-card]:has([data-testid=card-title])",
        [
            (sketch_jpeg("Flows", (900, 1200)), "flows.jpg", "image/jpeg"),
            (pdf.getvalue(), "notes.pdf", "application/pdf"),
        ],
    )
    board_card = card(bob, "Whiteboard")
    expect(board_card.locator("[data-testid=card-files]")).to_have_attribute(
        "data-count", "2", timeout=15 * UNIT_MS
    )
    # A titled card's photo: its title (and, among several, the file name) is the alt text.
    expect(board_card.locator("img[alt='Whiteboard (flows.jpg)']")).to_be_visible()
    shot(bob, "files-board-1366x800")
    assert axe_violations(bob) == []

    # Bob opens the viewer: full size, arrows step to the PDF, Esc closes.
    # Not his card: no remove button.
    # (The two upload side by side: their order on the card is whichever finished first.)
    board_card.locator("[data-file][aria-label*='flows.jpg']").click()
    viewer = bob.get_by_test_id("file-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_test_id("viewer-img")).to_be_visible()
    expect(viewer.get_by_test_id("viewer-download")).to_have_attribute("download", "flows.jpg")
    expect(viewer.get_by_test_id("viewer-remove")).to_have_count(0)
    assert axe_violations(bob) == []
    bob.keyboard.press("ArrowRight")
    expect(viewer.locator("#file-viewer-title")).to_have_text("notes.pdf")
    expect(viewer.get_by_test_id("viewer-download")).to_have_attribute("download", "notes.pdf")
    bob.keyboard.press("ArrowLeft")
    expect(viewer.locator("#file-viewer-title")).to_have_text("flows.jpg")
    bob.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(board_card.locator("[data-file][aria-label*='flows.jpg']")).to_be_focused()

    # Ann removes the PDF from her card (the viewer's remove, confirmed):
    # Bob's card holds one file.
    ann_card = card(ann, "Whiteboard")
    ann_card.locator("[data-file][aria-label*='notes.pdf']").click()
    ann.get_by_test_id("file-viewer").get_by_test_id("viewer-remove").click()
    expect(board_card.locator("[data-testid=card-files]")).to_have_attribute("data-count", "1")
    # Ann's viewer stays open on the file left; Esc closes it.
    expect(ann.get_by_test_id("file-viewer").locator("#file-viewer-title")).to_have_text(
        "flows.jpg"
    )
    ann.keyboard.press("Escape")
    # The photo-only card: removing its one file removes the card.
    photo_card(ann, "bike-sheds.jpg").locator("[data-testid=file-thumb]").click()
    ann.get_by_test_id("file-viewer").get_by_test_id("viewer-remove").click()
    expect(photo_card(bob, "bike-sheds.jpg")).to_have_count(0)
    expect(wall.locator("img[alt='bike-sheds.jpg']")).to_have_count(0)

    # A voice memo: an audio chip; Bob plays it in place.
    drop(ann, "[data-testid=layout-wall]", [(wav_bytes(), "memo.wav", "audio/wav")], at=(900, 500))
    chip = bob.locator("[data-testid=file-chip]", has_text="memo.wav")
    expect(chip).to_be_visible(timeout=15 * UNIT_MS)
    chip.get_by_role("button", name="Play memo.wav").click()
    expect(bob.locator("[data-testid=file-audio] audio[src^='blob:']")).to_have_count(1)
    expect(wall.get_by_test_id("tile-files")).to_contain_text("memo.wav")

    # Blob images and sound pass the app's CSP (img-src/media-src blob:).
    for p in (ann, bob):
        assert p.evaluate("() => window.__csp") == []
    assert ann.errors == [] and bob.errors == []  # type: ignore[attr-defined]


def test_upload_errors_and_cancel(server: Server, people: Browsers) -> None:
    links = server.create_board("Uploads", "wall")["links"]
    ann = people.page()
    join(ann, links["participant"], "Ann")
    cards_before = ann.get_by_test_id("card").count()

    # An HTML page named .png: refused with a clear message, nothing added.
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    drop(
        ann,
        "[data-testid=layout-wall]",
        [(html, "totally-a-photo.png", "image/png")],
        at=(600, 300),
    )
    error = ann.get_by_test_id("upload-error")
    expect(error).to_have_attribute("data-code", re.compile("unsupported_type|invalid"))
    expect(error).to_contain_text("totally-a-photo.png")
    ann.get_by_test_id("upload").get_by_role("button").click()  # dismiss
    expect(ann.get_by_test_id("upload")).to_have_count(0)

    # A slow link: the progress shows, a cancel stops it, no card appears.
    cdp = ann.context.new_cdp_session(ann)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 40_000},
    )
    drop(
        ann,
        "[data-testid=layout-wall]",
        [(noise_jpeg((700, 700)), "big.jpg", "image/jpeg")],
        at=(600, 300),
    )
    upload = ann.get_by_test_id("upload")
    expect(upload).to_have_attribute("data-status", "uploading")
    expect(upload.locator("progress")).to_be_visible()
    upload.get_by_test_id("upload-cancel").click()
    expect(ann.get_by_test_id("upload")).to_have_count(0)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    ann.wait_for_timeout(UNIT_MS)
    expect(ann.get_by_test_id("card")).to_have_count(cards_before)

    # A screenshot pasted on the board: a new card, named by the time.
    png = io.BytesIO()
    Image.new("RGB", (640, 400), (30, 90, 160)).save(png, "PNG")
    ann.evaluate(PASTE, base64.b64encode(png.getvalue()).decode())
    pasted = ann.locator("[data-testid=file-thumb][data-loaded=true] img[alt$='.png']")
    expect(pasted).to_be_visible(timeout=15 * UNIT_MS)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.png", pasted.get_attribute("alt") or "")

    # The editor: a file picked there goes onto the new card on Save.
    ann.get_by_test_id("add-card").click()
    ann.get_by_test_id("card-title-input").fill("Prototype")
    ann.get_by_test_id("editor-attach-file").set_input_files(
        files=[payload("proto.jpg", sketch_jpeg("Proto", (800, 600)))]
    )
    expect(ann.get_by_test_id("editor-file")).to_have_count(1, timeout=15 * UNIT_MS)
    # Its picture from the local copy (the server shows it once a card holds it).
    expect(ann.locator("[data-testid=editor-file] img[src^='blob:']")).to_be_visible()
    shot(ann, "files-editor-1366x800")
    ann.get_by_test_id("card-save").click()
    expect(card(ann, "Prototype").locator("img[alt='Prototype']")).to_be_visible()


def test_a_phone_photo_reaches_everyone_without_gps(server: Server, people: Browsers) -> None:
    links = server.create_board("Hub session", "wall")["links"]
    phone = people.page(390, 844, mobile=True)
    join(phone, links["participant"], "Noor")
    wall = people.page(1920, 1080)
    wall.goto(links["viewer"])
    wait_connected(wall)

    photo = sketch_jpeg("Our sketch", (4000, 3000), gps=True)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825), "the test photo carries GPS"
    phone.get_by_test_id("board-attach-camera").set_input_files(
        files=[payload("IMG_2041.jpg", photo)]
    )
    img = phone.locator("[data-testid=file-thumb][data-loaded=true] img[alt='IMG_2041.jpg']")
    expect(img).to_be_visible(timeout=20 * UNIT_MS)
    expect(
        wall.locator("[data-testid=tile-pic][data-loaded=true] img[alt='IMG_2041.jpg']")
    ).to_be_visible()
    shot(phone, "files-phone-390x844")
    wall.wait_for_timeout(300)
    shot(wall, "files-hub-screen-1920x1080")

    # What everyone is served has no GPS position (the server re-encodes).
    file_id = img.locator("xpath=..").get_attribute("data-file")
    served: str = phone.evaluate(
        """async (id) => {
          const s = window.prikbord;
          const headers = { Authorization: `Bearer ${s.linkToken}` };
          const res = await fetch(`/api/boards/${s.board}/files/${id}`, { headers });
          const bytes = new Uint8Array(await res.arrayBuffer());
          let bin = "";
          for (const b of bytes) bin += String.fromCharCode(b);
          return btoa(bin);
        }""",
        file_id,
    )
    shown = Image.open(io.BytesIO(base64.b64decode(served)))
    assert not shown.getexif().get_ifd(0x8825), "GPS must be gone"

    # The viewer on a phone: full screen, download, close.
    img.click()
    viewer = phone.get_by_test_id("file-viewer")
    expect(viewer.get_by_test_id("viewer-img")).to_be_visible()
    shot(phone, "files-phone-viewer-390x844")
    viewer.get_by_test_id("viewer-close").click()
    expect(viewer).to_have_count(0)

    # A facilitator puts the photo in the spotlight: the hub screen shows it
    # large. Then locks the board: the phone's upload controls go.
    fac = people.page()
    join(fac, links["facilitator"], "Fien")
    photo_card(fac, "IMG_2041.jpg").get_by_test_id("card-spotlight").click()
    big = wall.locator(".spot-card [data-testid=file-thumb][data-loaded=true] img")
    expect(big).to_be_visible()
    spot = big.bounding_box()
    assert spot is not None and spot["height"] > 400, spot
    wall.wait_for_function(
        "() => [...document.querySelectorAll('.spot-card img')]"
        ".every((i) => i.complete && i.naturalWidth > 0)"
    )
    shot(wall, "files-hub-spotlight-1920x1080")
    expect(phone.get_by_test_id("board-attach-camera")).to_have_count(1)
    fac.evaluate("() => window.prikbord.submit({ type: 'board.set', locked: true })")
    expect(phone.get_by_test_id("board-attach-camera")).to_have_count(0)
    expect(fac.get_by_test_id("board-attach-camera")).to_have_count(1)
    assert phone.errors == []  # type: ignore[attr-defined]


def test_a_photo_waits_for_approval_with_its_card(server: Server, people: Browsers) -> None:
    links = server.create_board("Moderated", "wall")["links"]
    fac = people.page()
    join(fac, links["facilitator"], "Fien")
    fac.evaluate("() => window.prikbord.submit({ type: 'board.set', approval: true })")
    ann = people.page()
    join(ann, links["participant"], "Ann")
    wall = people.page(1920, 1080)
    wall.goto(links["viewer"])
    wait_connected(wall)

    drop(ann, "[data-testid=layout-wall]", [(sketch_jpeg("Draft"), "draft.jpg", "image/jpeg")])
    # The author sees her waiting card's photo (the server knows her by the
    # device identity the app sends), the facilitator too; the wall nothing.
    mine = photo_card(ann, "draft.jpg")
    expect(mine.locator("[data-testid=file-thumb][data-loaded=true]")).to_be_visible(
        timeout=15 * UNIT_MS
    )
    expect(mine).to_have_attribute("data-status", "pending")
    pending = photo_card(fac, "draft.jpg")
    expect(pending.locator("[data-testid=file-thumb][data-loaded=true]")).to_be_visible()
    expect(wall.locator("[data-testid=tile-pic]")).to_have_count(0)
    pending.get_by_test_id("card-approve").click()
    expect(
        wall.locator("[data-testid=tile-pic][data-loaded=true] img[alt='draft.jpg']")
    ).to_be_visible()
    # A facilitator may remove a participant's file (here: her whole card).
    pending.locator("[data-testid=file-thumb]").click()
    fac.get_by_test_id("file-viewer").get_by_test_id("viewer-remove").click()
    expect(photo_card(ann, "draft.jpg")).to_have_count(0)
    expect(wall.locator("[data-testid=tile-pic]")).to_have_count(0)


def test_a_card_takes_at_most_six_files_and_a_column_drop_lands_there(
    server: Server, people: Browsers
) -> None:
    links = server.create_board("Columns", "columns")["links"]
    fac = people.page()
    join(fac, links["facilitator"], "Fien")
    for title in ("Ideas", "Photos"):
        fac.evaluate(
            "(t) => window.prikbord.submit({ type: 'section.add', id: t.toLowerCase(), title: t,"
            " pos: t === 'Ideas' ? 'a0' : 'a1' })",
            title,
        )
    expect(fac.get_by_test_id("column")).to_have_count(2)
    # Dropped on the "Photos" column: a new card in that column.
    drop(fac, "[data-column=photos]", [(sketch_jpeg("Col"), "col.jpg", "image/jpeg")])
    column = fac.locator("[data-column=photos]")
    expect(column.locator("img[alt='col.jpg']")).to_be_visible(timeout=15 * UNIT_MS)
    # Seven files onto one card: six go on, the seventh is refused with its reason.
    add_card(fac, "Gallery")
    files = [(sketch_jpeg(str(i), (200, 150)), f"p{i}.jpg", "image/jpeg") for i in range(7)]
    drop(fac, "[data-card]:has([data-testid=card-title])", files)
    gallery = card(fac, "Gallery")
    expect(gallery.locator("[data-testid=card-files]")).to_have_attribute(
        "data-count", "6", timeout=20 * UNIT_MS
    )
    error = fac.get_by_test_id("upload-error")
    expect(error).to_have_attribute("data-code", "too_many")
    expect(error).to_contain_text("at most 6 files")


def test_a_link_preview_shows_on_the_card_and_the_hub_screen(
    tmp_path: Path, web_dist: Path, people: Browsers
) -> None:
    """The server fetches the page (a real local web server, on the one
    loopback port a test-only setting opens) and the web app shows its Open
    Graph title, site, description and image — on the board and the wall."""
    pages = Pages().start()
    srv = Server(tmp_path / "data", env={"PRIKBORD_PREVIEW_TEST_LOOPBACK_PORT": str(pages.port)})
    try:
        pages.route("/garden", og_page("Community garden plan", "Beds, paths and a shed", "/g.jpg"))
        pages.route("/g.jpg", sketch_jpeg("Garden", (1200, 630)), "image/jpeg")
        srv.start()
        links = srv.create_board("Links", "wall")["links"]
        ann = people.page()
        join(ann, links["participant"], "Ann")
        wall = people.page(1920, 1080)
        wall.goto(links["viewer"])
        wait_connected(wall)
        ann.get_by_test_id("add-card").click()
        ann.locator("dialog input[name=kind][value=link]").check()
        ann.get_by_test_id("card-title-input").fill("Garden")
        ann.get_by_test_id("card-url-input").fill(pages.url("/garden"))
        ann.get_by_test_id("card-save").click()

        preview = card(ann, "Garden").get_by_test_id("link-preview")
        expect(preview.get_by_test_id("preview-title")).to_have_text(
            "Community garden plan", timeout=15 * UNIT_MS
        )
        expect(preview).to_contain_text("Testsite")
        expect(preview).to_contain_text("Beds, paths and a shed")
        expect(preview).to_have_attribute("href", pages.url("/garden"))
        expect(preview.locator(".preview-img img")).to_be_visible()
        expect(wall.get_by_test_id("tile-preview")).to_contain_text("Community garden plan")
        expect(wall.locator("[data-testid=tile-pic][data-loaded=true] img")).to_be_visible()
        shot(ann, "files-link-preview-1366x800")
        assert axe_violations(ann) == []
    finally:
        srv.stop()
        pages.stop()
