"""Checks the newsletter packages (see newsletter.sh): file names, PDF
metadata, the .eml parsed with Python's standard email package (parts,
types, cid link, RFC 2231 file name, attached bytes), the preview against
pdftoppm, reproducibility, the size budget, and delivery through a real SMTP
server on 127.0.0.1 compared with the .eml. Args: WORK BRIEFPRESS."""
import email
import email.policy
import html
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfcheck import check, finish, qpdf_check, read_pgm, read_png_gray, run

work, bp = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
DAY = "2024-04-03"
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1712102400")


def norm(s):
    return " ".join(s.split())


def plain_summary(markup):
    t = re.sub(r"\s*\[@[^\]]*\]", "", markup)
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", t)
    return re.sub(r"[*_`]", "", t)


def package(folder, base):
    """The three files, nothing else (no temporary files left behind)."""
    names = sorted(os.listdir(folder))
    want = sorted(base + ext for ext in (".eml", ".pdf", ".png"))
    check(names == want, f"{folder}: files {names}, expected {want}")
    return [os.path.join(folder, base + ext) for ext in (".pdf", ".png", ".eml")]


def pdf_meta(pdf):
    r = run(["pdfinfo", pdf])
    info = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    trailer = run(["qpdf", "--show-object=trailer", pdf]).stdout
    root = re.search(r"/Root (\d+) 0 R", trailer)
    cat = run(["qpdf", f"--show-object={root.group(1)}", pdf]).stdout if root else ""
    lang = re.search(r"/Lang \(([^)]*)\)", cat)
    info["Lang"] = lang.group(1) if lang else None
    return info


def compare_preview(pdf, png, label, other_pdf=None):
    """The preview against pdftoppm's page 1 scaled to the same width (grey).
    Metric: mean absolute grey difference (0-255) and the fraction of pixels
    more than 96 levels apart, each pixel allowed its best match within 1 px.
    Thresholds: mean <= 4.0, far <= 1.5 %. A different page must fail them."""
    w2, h2, b = read_png_gray(png)
    check(w2 == 1200, f"{label}: preview is {w2} px wide, expected 1200 (600 shown, 2x density)")
    raw = open(png, "rb").read()
    check(raw[25] == 3 and b"PLTE" in raw, f"{label}: the preview is not a palette PNG")

    def against(src, tag):
        base = os.path.join(work, f"ref-{label}-{tag}")
        run(["pdftoppm", "-gray", "-f", "1", "-l", "1", "-scale-to-x", str(w2), "-scale-to-y", "-1",
             "-singlefile", src, base])
        w1, h1, a = read_pgm(base + ".pgm")
        if not check(abs(w1 - w2) <= 1 and abs(h1 - h2) <= 1,
                     f"{label}: sizes {w1}x{h1} (pdftoppm) vs {w2}x{h2} (preview)"):
            return 255.0, 1.0
        w, h = min(w1, w2), min(h1, h2)
        total = far = 0
        for y in range(h):
            for x in range(w):
                va = a[y * w1 + x]
                best = abs(va - b[y * w2 + x])
                if best > 16:
                    for dy in (-1, 0, 1):
                        for dx in (-1, 0, 1):
                            yy, xx = y + dy, x + dx
                            if 0 <= yy < h and 0 <= xx < w:
                                best = min(best, abs(va - b[yy * w2 + xx]))
                total += best
                far += best > 96
        return total / (w * h), far / (w * h)

    mean, frac = against(pdf, "same")
    print(f"{label}: preview vs pdftoppm page 1 at {w2} px: mean grey difference {mean:.2f}/255, "
          f"{frac * 100:.2f}% pixels off by >96 (limits 4.0, 1.5%)")
    check(mean <= 4.0 and frac <= 0.015, f"{label}: preview differs from pdftoppm's page 1")
    if other_pdf:
        m2, f2 = against(other_pdf, "other")
        print(f"{label}: negative control (another document's page 1): mean {m2:.2f}, "
              f"{f2 * 100:.2f}%")
        check(m2 > 4.0 or f2 > 0.015, f"{label}: the metric cannot tell another page apart")


def check_message(eml, pdf, png, meta, title, label, from_addr, to_addrs, summary, charts):
    raw = open(eml, "rb").read()
    check(b"\n" not in raw.replace(b"\r\n", b""), f"{label}: bare LF in the message (RFC 5322 wants CRLF)")
    check(max(len(l) for l in raw.split(b"\r\n")) <= 998, f"{label}: a line over 998 octets")
    m = email.message_from_bytes(raw, policy=email.policy.default)
    check(not m.defects, f"{label}: parser defects {m.defects}")
    for part in m.walk():
        check(not part.defects, f"{label}: {part.get_content_type()} defects {part.defects}")
    check(str(m["Subject"]) == title, f"{label}: Subject {m['Subject']!r}, expected {title!r}")
    check(m["From"].addresses[0].addr_spec == from_addr, f"{label}: From {m['From']}")
    check([a.addr_spec for a in m["To"].addresses] == to_addrs, f"{label}: To {m['To']}")
    check(m["Date"] is not None and m["Date"].datetime.strftime("%Y-%m-%d") == DAY,
          f"{label}: Date {m['Date']}")
    check(m["Message-ID"] is not None and "@" in m["Message-ID"], f"{label}: no Message-ID")
    check(m["MIME-Version"] == "1.0", f"{label}: MIME-Version {m['MIME-Version']}")

    # the part tree
    tree = [(p.get_content_type(), len(list(p.iter_parts())) if p.is_multipart() else None)
            for p in m.walk()]
    want = [("multipart/mixed", 2), ("multipart/related", 2), ("multipart/alternative", 2),
            ("text/plain", None), ("text/html", None), ("image/png", None),
            ("application/pdf", None)]
    if not check(tree == want, f"{label}: part tree {tree}, expected {want}"):
        return m
    mixed = m
    related, att = list(mixed.iter_parts())
    alt, img = list(related.iter_parts())
    text, page = list(alt.iter_parts())
    check(related.get_param("type") == "multipart/alternative", f"{label}: related type parameter")

    # the plain text and the HTML say the same things
    plain = text.get_content()
    check(norm(title) in norm(plain), f"{label}: title missing from the plain text")
    check(norm(summary) in norm(plain), f"{label}: summary missing from the plain text")
    check("[@" not in plain and "[@" not in page.get_content(), f"{label}: citation markup left in")
    body = page.get_content()
    text_of_html = norm(html.unescape(re.sub(r"<[^>]+>", " ", body)))
    check(norm(title) in text_of_html, f"{label}: title missing from the HTML")
    check(norm(summary).replace(" .", ".") in text_of_html.replace(" .", ".").replace(" ,", ","),
          f"{label}: summary missing from the HTML")
    for c in charts:
        check(norm(c) in norm(plain), f"{label}: chart description missing from the plain text: {c}")
        check(norm(c) in text_of_html, f"{label}: chart description missing from the HTML: {c}")
    cid = (img["Content-ID"] or "").strip("<>")
    srcs = re.findall(r'<img[^>]*src="cid:([^"]+)"', body)
    check(cid and srcs == [cid], f"{label}: HTML shows {srcs}, the image's Content-ID is {cid!r}")
    alt_text = re.search(r'<img[^>]*alt="([^"]*)"', body)
    check(alt_text and title in html.unescape(alt_text.group(1)), f"{label}: the image has no alt text")

    # the preview: inline, base64, the PNG file's bytes
    check(img.get_content_disposition() == "inline", f"{label}: preview disposition")
    check(img["Content-Transfer-Encoding"] == "base64", f"{label}: preview not base64")
    check(img.get_content() == open(png, "rb").read(), f"{label}: inline PNG differs from {png}")

    # the attachment: application/pdf, base64, the PDF file's bytes, its name
    check(att.get_content_disposition() == "attachment", f"{label}: PDF disposition")
    check(att["Content-Transfer-Encoding"] == "base64", f"{label}: PDF not base64")
    want_name = f"{title} {DAY}.pdf"
    check(att.get_filename() == want_name, f"{label}: filename {att.get_filename()!r}, expected {want_name!r}")
    check(att.get_content() == open(pdf, "rb").read(), f"{label}: attached PDF differs from {pdf}")
    head = raw.split(b"\r\n\r\n--")[0]
    att_headers = raw[raw.rfind(b"Content-Type: application/pdf"):]
    att_headers = att_headers[:att_headers.find(b"\r\n\r\n")]
    if title.isascii():
        check(b"filename=" in att_headers and b"filename*" not in att_headers,
              f"{label}: an ASCII file name should be a plain parameter")
    else:
        check(re.search(rb"filename\*(0\*)?=UTF-8''%", att_headers, re.I) is not None,
              f"{label}: no RFC 2231 filename*=UTF-8'' in {att_headers[-300:]!r}")
        check(b"=?" not in att_headers, f"{label}: RFC 2047 words in the attachment's parameters")
    check(head.isascii(), f"{label}: 8-bit bytes in the message headers")
    return m


failures_before = 0
en_brief = json.load(open("data/briefs/nk-missions.json", encoding="utf-8"))
ko_brief = json.load(open("tests/fixtures/sample/briefs/korean-title.json", encoding="utf-8"))
article = json.load(open("data/articles/nk-missions.json", encoding="utf-8"))


def listed(label, heading):
    """The "- ..." items of the plain text's list under `heading`."""
    m = email.message_from_bytes(open(files[label][2], "rb").read(), policy=email.policy.default)
    plain = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
    at = re.search(rf"^{heading}\n", plain, re.M)
    if not at:
        return []
    block = plain[at.end():].split("\n\n", 1)[0]
    return [norm(i) for i in re.findall(r"^- (.*(?:\n  .*)*)", block, re.M)]


def chart_descriptions(label):
    return listed(label, r"The charts? in this brief:")


files = {
    "en": package(os.path.join(work, "en"), f"why-pyongyang-is-closing-its-embassies-{DAY}"),
    "ko": package(os.path.join(work, "ko"), f"bukhaneun-wae-daesagwaneul-datneunga-{DAY}"),
    "article": package(os.path.join(work, "article"),
                       f"what-made-pyongyang-close-down-diplomatic-missions-{DAY}"),
}

# 1. the PDFs: valid, metadata complete
for label, brief in (("en", en_brief), ("ko", ko_brief)):
    pdf = files[label][0]
    qpdf_check(pdf)
    info = pdf_meta(pdf)
    for key, field in (("Title", "title"), ("Author", "author"), ("Subject", "subject"),
                       ("Keywords", "keywords")):
        check(info.get(key) == brief[field], f"{label}: PDF {key} {info.get(key)!r}, expected {brief[field]!r}")
    check(info.get("Lang") == brief["lang"], f"{label}: PDF /Lang {info.get('Lang')!r}")
    check(info.get("Pages") == "1", f"{label}: {info.get('Pages')} pages")
art_info = pdf_meta(files["article"][0])
check(art_info.get("Title") == article["title"], f"article: PDF Title {art_info.get('Title')!r}")

# 2. the messages
charts = chart_descriptions("en")
check(len(charts) == len(en_brief["charts"]), f"en: {len(charts)} chart descriptions for "
                                               f"{len(en_brief['charts'])} charts")
check(all(c.endswith(".") and len(c) > 30 for c in charts), f"en: odd chart descriptions {charts}")
check_message(files["en"][2], files["en"][0], files["en"][1], en_brief, en_brief["title"], "en",
              "a@example.org", ["b@example.org"], plain_summary(en_brief["summary"]), charts)
ko = check_message(files["ko"][2], files["ko"][0], files["ko"][1], ko_brief, ko_brief["title"],
                   "ko", "desk@example.org", ["b@example.org", "c@example.org"],
                   plain_summary(ko_brief["summary"]), charts)
check(ko["To"].addresses[1].display_name == "김", f"ko: To display name {ko['To']}")
check("Yonsei" in str(
    email.message_from_bytes(open(files["en"][2], "rb").read(), policy=email.policy.default)["From"]),
      "en: From has no display name from the brief's institute")
# the key findings: each claim's text, citations dropped, in both bodies (escaped in the HTML)
claims = {c["id"]: c for f in sorted(os.listdir("data/claims")) if f.endswith(".json")
          for c in json.load(open(os.path.join("data/claims", f), encoding="utf-8"))}
want_findings = [norm(plain_summary(claims[i]["text"])) for i in en_brief["findings"]]
got_findings = listed("en", "Key findings")
check(got_findings == want_findings, f"en: findings in the plain text {got_findings}, expected "
                                     f"{want_findings}")
en_msg = email.message_from_bytes(open(files["en"][2], "rb").read(), policy=email.policy.default)
en_html = en_msg.get_body(("html",)).get_content()
items = [norm(html.unescape(re.sub(r"<[^>]+>", "", li)))
         for li in re.findall(r"<li[^>]*>(.*?)</li>", en_html.split("Key findings", 1)[-1], re.S)]
check(items[:len(want_findings)] == want_findings, f"en: findings in the HTML {items}")
check(not re.search(r"<li[^>]*>[^<]*[<>][^<]*</li>", en_html), "en: unescaped text in a list item")
art = email.message_from_bytes(open(files["article"][2], "rb").read(), policy=email.policy.default)
check(str(art["Subject"]) == article["title"], f"article: Subject {art['Subject']}")
check(norm(article["subject"]) in norm(art.get_body(("plain",)).get_content()),
      "article: its subject is not the summary")
check("undisclosed-recipients" in str(art["To"]), f"article: To without --to is {art['To']}")
for label in files:
    print(f"{label}: PDF {os.path.getsize(files[label][0])} bytes, PNG {os.path.getsize(files[label][1])} "
          f"bytes, .eml {os.path.getsize(files[label][2])} bytes")

# 3. reproducible
en2 = os.path.join(work, "en2", os.path.basename(files["en"][2]))
check(open(en2, "rb").read() == open(files["en"][2], "rb").read(), "two runs give different .eml files")

# 4. the preview is page 1
compare_preview(files["en"][0], files["en"][1], "en", other_pdf=files["article"][0])
compare_preview(files["ko"][0], files["ko"][1], "ko")

# 5. the size budget: exit 1, both sizes named, nothing left
budget_dir = os.path.join(work, "budget")
r = subprocess.run([bp, "newsletter", "data/briefs/nk-missions.json", "-o", budget_dir,
                    "--max-bytes", "1000"], capture_output=True, text=True, env=ENV, timeout=300)
size = os.path.getsize(files["en"][0])
check(r.returncode == 1, f"--max-bytes 1000: exit {r.returncode}")
check(f"{size} bytes" in r.stderr and "1000 bytes" in r.stderr,
      f"--max-bytes 1000: the message does not name both sizes: {r.stderr.strip()}")
check(not os.path.exists(budget_dir) or not os.listdir(budget_dir),
      f"--max-bytes 1000 left {os.listdir(budget_dir) if os.path.exists(budget_dir) else []}")
print("budget:", r.stderr.strip())
r = subprocess.run([bp, "newsletter", "data/briefs/nk-missions.json", "-o", budget_dir,
                    "--max-bytes", "lots"], capture_output=True, text=True, env=ENV, timeout=60)
check(r.returncode == 2 and "--max-bytes" in r.stderr, f"--max-bytes lots: exit {r.returncode}")


# 6. delivery through a real SMTP server on 127.0.0.1
def python_with_aiosmtpd():
    for exe in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(exe) and subprocess.run([exe, "-c", "import aiosmtpd"],
                                                  capture_output=True).returncode == 0:
            return exe
    return None


def strip_added_headers(received, sent):
    """Removes header fields a server may prepend (Received, X-Peer, ...)."""
    added = (b"received:", b"x-peer:", b"x-mailfrom:", b"x-rcptto:", b"return-path:")
    while not sent.startswith(received[:64]) and received.lower().startswith(added):
        end = received.find(b"\r\n")
        while received[end + 2:end + 3] in (b" ", b"\t"):  # folded lines
            end = received.find(b"\r\n", end + 2)
        received = received[end + 2:]
    return received


py = python_with_aiosmtpd()
if check(py is not None, "no Python with aiosmtpd (install python3-aiosmtpd)"):
    inbox = os.path.join(work, "inbox")
    os.makedirs(inbox, exist_ok=True)
    sink = subprocess.Popen([py, os.path.join(HERE, "smtp_sink.py"), inbox, "1", "90"],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(sink.stdout.readline())
        url = f"smtp://127.0.0.1:{port}"
        sent_dir = os.path.join(work, "sent")
        r = subprocess.run([bp, "newsletter", "data/briefs/nk-missions.json", "-o", sent_dir,
                            "--from", "a@example.org", "--to", "b@example.org", "--send", url,
                            "--bcc", "hidden1@example.net", "--bcc", "Secret Reader <hidden2@example.net>",
                            "--list-id", "NKR Briefs <briefs.nkr.example.org>",
                            "--list-unsubscribe", "mailto:leave@example.org?subject=unsubscribe",
                            "--list-unsubscribe", "https://example.org/u?id=1&t=2",
                            "--list-unsubscribe-post"],
                           capture_output=True, text=True, env=ENV, timeout=120)
        check(r.returncode == 0, f"--send {url}: exit {r.returncode}: {r.stderr.strip()}")
        sink.wait(timeout=30)
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()
    got = os.path.join(inbox, "msg-1.eml")
    if check(os.path.exists(got), "the SMTP server received no message"):
        env = json.load(open(os.path.join(inbox, "msg-1.json")))
        check(env == {"mail_from": "a@example.org",
                      "rcpt_tos": ["b@example.org", "hidden1@example.net", "hidden2@example.net"]},
              f"SMTP envelope {env}")
        sent = open(os.path.join(sent_dir, os.path.basename(files["en"][2])), "rb").read()
        # Bcc: in the envelope only, nowhere in the message (headers or body)
        for secret in (b"hidden1", b"hidden2", b"Secret Reader", b"Bcc:", b"bcc:"):
            check(secret not in sent and secret not in open(got, "rb").read(),
                  f"--bcc: {secret!r} is in the message")
        check("hidden" not in r.stdout + r.stderr, f"--bcc: the Bcc addresses were printed: {r.stdout}")
        lm = email.message_from_bytes(sent, policy=email.policy.default)
        check(str(lm["List-Id"]) == "NKR Briefs <briefs.nkr.example.org>", f"List-Id {lm['List-Id']}")
        check(str(lm["List-Unsubscribe"]) ==
              "<mailto:leave@example.org?subject=unsubscribe>, <https://example.org/u?id=1&t=2>",
              f"List-Unsubscribe {lm['List-Unsubscribe']}")
        check(str(lm["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click",
              f"List-Unsubscribe-Post {lm['List-Unsubscribe-Post']}")
        check("Unsubscribe: https://example.org/u?id=1&t=2" in lm.get_body(("plain",)).get_content(),
              "no unsubscribe link in the plain text")
        check('href="https://example.org/u?id=1&amp;t=2"' in lm.get_body(("html",)).get_content(),
              "no (escaped) unsubscribe link in the HTML")
        received = strip_added_headers(open(got, "rb").read(), sent)
        if received != sent and received.rstrip(b"\r\n") == sent.rstrip(b"\r\n"):
            received = sent  # the final line end belongs to the SMTP end of data
        check(received == sent, f"received message ({len(received)} bytes) differs from the .eml "
                                f"({len(sent)} bytes)")
        print(f"smtp: {len(sent)} bytes delivered to 127.0.0.1:{port}, identical to the .eml")

    # a server that is not there: exit 1 naming the URL; the package stays
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"smtp://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    r = subprocess.run([bp, "newsletter", "data/briefs/nk-missions.json", "-o",
                        os.path.join(work, "unsent"), "--from", "a@example.org", "--to",
                        "b@example.org", "--send", dead], capture_output=True, text=True, env=ENV,
                       timeout=120)
    check(r.returncode == 1 and dead in r.stderr, f"--send {dead}: exit {r.returncode}: {r.stderr.strip()}")
    check(len(os.listdir(os.path.join(work, "unsent"))) == 3, "a failed send should keep the package")
    r = subprocess.run([bp, "newsletter", "data/briefs/nk-missions.json", "-o",
                        os.path.join(work, "unsent2"), "--send", dead], capture_output=True,
                       text=True, env=ENV, timeout=60)
    check(r.returncode == 2 and "--from and --to" in r.stderr, f"--send without addresses: exit {r.returncode}")
    # bad list headers: refused naming the option, nothing written
    for label, args, word in (
            ("list-id", ["--list-id", "no dots here"], "--list-id"),
            ("unsub-scheme", ["--list-unsubscribe", "javascript:alert(1)"], "--list-unsubscribe"),
            ("unsub-space", ["--list-unsubscribe", "https://x.org/a b"], "--list-unsubscribe"),
            ("one-click", ["--list-unsubscribe", "mailto:x@example.org", "--list-unsubscribe-post"],
             "--list-unsubscribe-post"),
            ("bcc-unsent", ["--bcc", "c@example.org"], "--bcc"),
            ("subject-line-break", ["--subject", "Hello\r\nBcc: x@example.org"], "--subject"),
            ("subject-control", ["--subject", "Hello\tthere"], "--subject")):
        out = os.path.join(work, "bad-" + label)
        r = subprocess.run([bp, "newsletter", "data/briefs/nk-missions.json", "-o", out, *args],
                           capture_output=True, text=True, env=ENV, timeout=120)
        check(r.returncode in (1, 2) and word in r.stderr and not os.path.exists(out),
              f"{label}: exit {r.returncode}: {r.stderr.strip()}")

finish("newsletter")
