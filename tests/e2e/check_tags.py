#!/usr/bin/env python3
"""check_tags.py - a structure checker for tagged PDF (there is no PDF/UA
validator in Debian 12). Reads a PDF through `qpdf --json` (decoded
streams) and poppler's pdftotext, and checks what issue 11 asks:

  * the catalog is marked (/MarkInfo /Marked true, a StructTreeRoot, /Lang,
    DisplayDocTitle), every page has /StructParents and /Tabs /S;
  * every piece of page content (text, path, image) is inside marked
    content with an MCID that the structure tree holds, or an Artifact;
    every MCID of the pages is in the tree once, and the ParentTree maps it
    to the element that holds it;
  * the tree's reading order gives the text in the order the page draws
    it, as `pdftotext -raw` reads it (per page: the tree's letters and
    digits are a subsequence of pdftotext's, and what is left over is
    artifacts' and figures' text; short texts such as note numbers and
    bullets are only counted: pdftotext's layout mode puts such columns
    anywhere);
  * every Figure has a non-empty /Alt; headings start at H1 and never skip
    a level; every link annotation is an OBJR of a Link element (and its
    /StructParent says so) and has /Contents; a note marker's Link (to
    note-N in the document) is inside a Reference; Hangul text is in an element
    whose language is Korean when the document's is not;
  * a word hyphenated at a line end is in an element whose /ActualText is
    the word whole: the element holds both halves (the head ending in the
    hyphen, then the tail), its text without that hyphen (or with it, a
    word's own hyphen: "anti-|American") is the ActualText,
    and the head's marked content carries it too (readers that extract
    text from the page read that one); the tail's marked content stands
    for no more than a space;
  * a Table's rows (TR, in THead, TBody or TFoot or directly) have equal
    numbers of cells (TH, TD), and it has a header: a first row of TH
    cells, or a TH at the start of every row; every TH says what it
    heads (/Scope in a Table attribute);
  * the XMP metadata says PDF/UA-1 (pdfuaid:part 1) and declares that
    schema in a PDF/A extension schema (PDF/A-1 accepts no other).

Usage: check_tags.py FILE.pdf... ; prints one line per problem and exits 1
when there is any. Needs qpdf and pdftotext on the PATH.
"""
import base64
import collections
import json
import re
import subprocess
import sys


def load(path):
    out = subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", "--decode-level=generalized",
                          "--json-stream-data=inline", path], capture_output=True, check=False)
    if out.returncode not in (0, 3):
        raise RuntimeError(f"qpdf --json failed: {out.stderr.decode(errors='replace')}")
    return json.loads(out.stdout)["qpdf"][1]


class Doc:
    def __init__(self, path):
        self.objs = load(path)

    def get(self, v):
        """A value with an indirect reference followed (once)."""
        if isinstance(v, str) and v.endswith(" R") and re.fullmatch(r"\d+ \d+ R", v):
            o = self.objs.get("obj:" + v)
            if o is None:
                return None
            return o.get("value", o.get("stream", {}).get("dict"))
        return v

    def stream(self, ref):
        o = self.objs.get("obj:" + ref, {}).get("stream")
        return base64.b64decode(o["data"]) if o and "data" in o else b""


def text_of(v):
    """A JSON v2 string value as text."""
    if not isinstance(v, str):
        return None
    if v.startswith("u:"):
        return v[2:]
    if v.startswith("b:"):
        return bytes.fromhex(v[2:]).decode("latin-1")
    return None


# ---- content streams -------------------------------------------------------

TOKEN = re.compile(rb"""
    (?P<ws>[\x00\t\n\x0c\r ]+|%[^\r\n]*)
  | (?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)
  | (?P<num>[+-]?(?:\d+\.?\d*|\.\d+))
  | (?P<hex><[0-9A-Fa-f\s]*>)
  | (?P<dopen><<) | (?P<dclose>>>)
  | (?P<aopen>\[) | (?P<aclose>\])
  | (?P<lit>\()
  | (?P<op>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+)
""", re.X)


def literal(data, i):
    """The literal string starting after '(' at i: (bytes, next index)."""
    out, depth = bytearray(), 1
    esc = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(data):
        c = data[i]
        if c == 0x5C:  # backslash
            i += 1
            c = data[i]
            if c in esc:
                out.append(esc[c])
            elif 0x30 <= c <= 0x37:
                m = re.match(rb"[0-7]{1,3}", data[i:i + 3])
                out.append(int(m.group(), 8) & 0xFF)
                i += len(m.group()) - 1
            elif c not in (10, 13):
                out.append(c)
            i += 1
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1
    return bytes(out), i


def tokens(data):
    """Operands and operators: (kind, value); strings as bytes."""
    i = 0
    while i < len(data):
        m = TOKEN.match(data, i)
        if not m:
            i += 1
            continue
        kind = m.lastgroup
        i = m.end()
        if kind == "ws":
            continue
        if kind == "lit":
            s, i = literal(data, i)
            yield "str", s
        elif kind == "hex":
            h = re.sub(rb"\s", b"", m.group()[1:-1])
            yield "str", bytes.fromhex((h + b"0" * (len(h) % 2)).decode())
        else:
            yield kind, m.group()


def parse_ops(data):
    """(operator, operands) of a content stream; dict operands as dicts."""
    stack = [[]]
    for kind, v in tokens(data):
        if kind in ("aopen", "dopen"):
            stack.append([])
        elif kind in ("aclose", "dclose"):
            items = stack.pop() if len(stack) > 1 else []
            if kind == "dclose":
                items = {items[k]: items[k + 1] for k in range(0, len(items) - 1, 2)}
            stack[-1].append(items)
        elif kind == "op":
            if len(stack) > 1:  # an operator inside an array: malformed
                continue
            yield v.decode("latin-1"), stack[0]
            stack[0] = []
        elif kind == "num":
            stack[-1].append(float(v))
        else:
            stack[-1].append(v)


def cmap(data):
    """A ToUnicode CMap: code bytes -> text."""
    m = {}

    def uni(h):
        b = bytes.fromhex(h.decode())
        return b.decode("utf-16-be", errors="replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            m[bytes.fromhex(src.decode())] = uni(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for a, b, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            lo, hi, n = int(a, 16), int(b, 16), len(a) // 2
            if rest.startswith(b"["):
                dsts = re.findall(rb"<([0-9A-Fa-f]*)>", rest)
                for k, dst in enumerate(dsts):
                    m[(lo + k).to_bytes(n, "big")] = uni(dst)
            else:
                base = bytes.fromhex(rest[1:-1].decode())
                for k in range(hi - lo + 1):
                    last = int.from_bytes(base[-2:], "big") + k
                    m[(lo + k).to_bytes(n, "big")] = (base[:-2] + last.to_bytes(2, "big")).decode(
                        "utf-16-be", errors="replace")
    return m


def pdf_text(b):
    """A content stream's string operand as text (UTF-16BE with its BOM, or
    PDFDocEncoding read as Latin-1), None when it is no string."""
    if not isinstance(b, bytes) or b.startswith(b"/"):
        return None
    if b.startswith(b"\xfe\xff"):
        return b[2:].decode("utf-16-be", errors="replace")
    return b.decode("latin-1")


PAINT = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "Do", "sh", "EI"}
SHOW = {"Tj", "TJ", "'", '"'}


class Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []
        self.doc = Doc(path)

    def bad(self, msg):
        self.problems.append(f"{self.path}: {msg}")

    # the pages' marked content: per page, MCID -> text; artifact text; lines
    def scan_page(self, pno, page):
        d = self.doc
        res = d.get(page.get("/Resources")) or {}
        fonts = {}
        for name, ref in (d.get(res.get("/Font")) or {}).items():
            font = d.get(ref) or {}
            tu = font.get("/ToUnicode")
            fonts[name.encode()] = cmap(d.stream(tu)) if isinstance(tu, str) else {}
        contents = page.get("/Contents")
        refs = contents if isinstance(contents, list) else [contents]
        data = b"\n".join(d.stream(r) for r in refs if isinstance(r, str))
        mcids, other = collections.OrderedDict(), []
        stack, font, untagged, ty = [], {}, 0, 0.0
        for op, args in parse_ops(data):
            if op in ("BDC", "BMC"):
                props = args[1] if op == "BDC" and len(args) > 1 else {}
                mcid = props.get(b"/MCID") if isinstance(props, dict) else None
                tag = args[0].decode() if args and isinstance(args[0], bytes) else "?"
                stack.append((tag, int(mcid) if mcid is not None else None))
                if mcid is not None:
                    if int(mcid) in mcids:
                        self.bad(f"page {pno + 1}: MCID {int(mcid)} is used twice")
                    lang = props.get(b"/Lang")
                    mcids[int(mcid)] = {"text": [], "y": None,
                                        "lang": lang.decode("latin-1") if isinstance(lang, bytes) else None,
                                        "actual": pdf_text(props.get(b"/ActualText"))}
            elif op == "EMC":
                if not stack:
                    self.bad(f"page {pno + 1}: EMC without BDC")
                else:
                    stack.pop()
            elif op == "Tf" and args:
                font = fonts.get(args[0], {})
            elif op == "BT":
                ty = 0.0
            elif op in ("Td", "TD") and len(args) >= 2:
                ty += args[1]
            elif op == "Tm" and len(args) >= 6:
                ty = args[5]
            elif op in PAINT or op in SHOW:
                where = next((s for s in reversed(stack) if s[1] is not None or s[0] == "/Artifact"), None)
                if where is None:
                    untagged += 1
                    continue
                if op not in SHOW:
                    continue
                strings = [a for a in (args[0] if op == "TJ" and args else args) if isinstance(a, bytes)
                           and not a.startswith(b"/")]
                text = ""
                for s in strings:
                    k = 0
                    while k < len(s):
                        two = s[k:k + 2]
                        if two in font:
                            text += font[two]
                            k += 2
                        elif s[k:k + 1] in font:
                            text += font[s[k:k + 1]]
                            k += 1
                        else:
                            k += 2
                if where[0] == "/Artifact":
                    other.append(text)
                else:
                    mc = mcids[where[1]]
                    if mc["y"] is not None and abs(mc["y"] - ty) > 0.5:
                        mc["text"].append(" ")  # another line (or a superscript): a space
                    mc["y"] = ty
                    mc["text"].append(text)
        if stack:
            self.bad(f"page {pno + 1}: {len(stack)} marked-content sequence(s) not closed")
        if untagged:
            self.bad(f"page {pno + 1}: {untagged} piece(s) of content outside any structure element "
                     "or artifact")
        return mcids, other

    def run(self):
        d = self.doc
        trailer = d.objs["trailer"]["value"]
        cat = d.get(trailer["/Root"])
        mark = d.get(cat.get("/MarkInfo")) or {}
        if mark.get("/Marked") is not True:
            self.bad("the catalog has no /MarkInfo << /Marked true >>")
        lang = text_of(cat.get("/Lang"))
        if not lang:
            self.bad("the catalog has no /Lang")
        prefs = d.get(cat.get("/ViewerPreferences")) or {}
        if prefs.get("/DisplayDocTitle") is not True:
            self.bad("no /ViewerPreferences << /DisplayDocTitle true >>")
        root = d.get(cat.get("/StructTreeRoot"))
        if not root:
            self.bad("no /StructTreeRoot")
            return self.problems
        # pages in order
        pages, page_ref = [], {}

        def walk_pages(ref):
            node = d.get(ref)
            if node.get("/Type") == "/Pages":
                for k in node.get("/Kids", []):
                    walk_pages(k)
            else:
                page_ref[ref] = len(pages)
                pages.append(node)
        walk_pages(cat["/Pages"])
        scans = []
        for pno, page in enumerate(pages):
            if page.get("/Tabs") != "/S":
                self.bad(f"page {pno + 1}: no /Tabs /S")
            if not isinstance(page.get("/StructParents"), int):
                self.bad(f"page {pno + 1}: no /StructParents")
            scans.append(self.scan_page(pno, page))
        # the tree in reading order
        seen = {}          # (page, mcid) -> element ref
        order = []         # (page, mcid, in_figure, actual text or None, lang)
        objr = {}          # annotation ref -> element ref
        headings, figures = [], 0
        actual_seen = set()
        actual_keys = {}   # ActualText element ref -> (its text, its MCIDs' keys in order)
        tables = []        # (ref, Table element)

        parent_role = {}   # element ref -> its parent's role

        def visit(ref, elem, page, in_fig, actual, lang_here, depth):
            if depth > 100:
                self.bad("the structure tree is deeper than 100")
                return
            s = elem.get("/S", "")
            if elem.get("/Pg"):
                page = page_ref.get(elem["/Pg"], page)
            if elem.get("/Lang"):
                lang_here = text_of(elem["/Lang"])
            if s == "/Figure":
                alt = text_of(elem.get("/Alt")) or ""
                if not alt.strip():
                    self.bad(f"a Figure ({ref}) has no /Alt")
                in_fig = True
            if s == "/Table":
                tables.append((ref, elem))
            m = re.fullmatch(r"/H([1-6])", s)
            if m:
                headings.append(int(m.group(1)))
            if elem.get("/ActualText") is not None and actual is None:
                actual = (ref, text_of(elem["/ActualText"]) or "")
            kids = elem.get("/K", [])
            for k in kids if isinstance(kids, list) else [kids]:
                kv = d.get(k)
                if isinstance(k, int) or isinstance(kv, int) and not isinstance(k, str):
                    key = (page, k)
                elif isinstance(kv, dict) and kv.get("/Type") == "/MCR":
                    key = (page_ref.get(kv.get("/Pg"), page), kv.get("/MCID"))
                elif isinstance(kv, dict) and kv.get("/Type") == "/OBJR":
                    if s != "/Link":
                        self.bad(f"an OBJR in a {s[1:]} element, not a Link ({ref})")
                    objr[kv.get("/Obj")] = ref
                    continue
                elif isinstance(kv, dict) and "/S" in kv:
                    parent_role[k] = s
                    visit(k, kv, page, in_fig, actual, lang_here, depth + 1)
                    continue
                else:
                    self.bad(f"an unknown kid {k!r} in {ref}")
                    continue
                if key in seen:
                    self.bad(f"page {key[0] + 1}: MCID {key[1]} is in the tree twice")
                seen[key] = ref
                if actual is not None:
                    actual_keys.setdefault(actual[0], (actual[1], []))[1].append(key)
                if actual is not None and actual[0] in actual_seen:
                    order.append((key, in_fig, "", lang_here))
                else:
                    if actual is not None:
                        actual_seen.add(actual[0])
                    order.append((key, in_fig, None if actual is None else actual[1], lang_here))
        kids = root.get("/K", [])
        for k in kids if isinstance(kids, list) else [kids]:
            e = d.get(k)
            if isinstance(e, dict):
                visit(k, e, 0, False, None, lang, 0)
        self.hyphenated(actual_keys, scans)
        for ref, elem in tables:
            self.table(ref, elem)
        self.xmp_ua(cat)
        # every page MCID is in the tree, and the tree's exist
        for pno, (mcids, _) in enumerate(scans):
            for mcid in mcids:
                if (pno, mcid) not in seen:
                    self.bad(f"page {pno + 1}: MCID {mcid} is in no structure element")
        for (pno, mcid) in seen:
            if pno >= len(scans) or mcid not in scans[pno][0]:
                self.bad(f"page {pno + 1}: the tree names MCID {mcid}, which the page does not have")
        # the ParentTree agrees
        ptree = d.get(root.get("/ParentTree")) or {}
        nums = {}
        todo = [ptree]
        while todo:
            n = todo.pop()
            arr = n.get("/Nums", [])
            for i in range(0, len(arr) - 1, 2):
                nums[arr[i]] = arr[i + 1]
            todo.extend(d.get(k) for k in n.get("/Kids", []))
        for pno, page in enumerate(pages):
            arr = d.get(nums.get(page.get("/StructParents"))) or []
            for mcid in scans[pno][0]:
                want = seen.get((pno, mcid))
                if want and (mcid >= len(arr) or arr[mcid] != want):
                    self.bad(f"page {pno + 1}: the ParentTree does not map MCID {mcid} to its element")
        # links
        for pno, page in enumerate(pages):
            for a in page.get("/Annots", []) or []:
                av = d.get(a)
                if not isinstance(av, dict) or av.get("/Subtype") != "/Link":
                    continue
                if a not in objr:
                    self.bad(f"page {pno + 1}: link annotation {a} is referenced by no Link element")
                elif nums.get(av.get("/StructParent")) != objr[a]:
                    self.bad(f"page {pno + 1}: link annotation {a}: its /StructParent is not its Link")
                # a note marker: a link inside the document whose
                # description (/Contents) names the note it goes to
                inside = av.get("/Dest") is not None
                note = inside and re.fullmatch(r"note-\d+", text_of(d.get(av.get("/Contents"))) or "")
                if note and a in objr and parent_role.get(objr[a]) != "/Reference":
                    self.bad(f"page {pno + 1}: link annotation {a} goes to {note.group(0)}, and its "
                             f"Link is in a {parent_role.get(objr[a], '?')[1:]}, not a Reference")
                if not text_of(d.get(av.get("/Contents"))):
                    self.bad(f"page {pno + 1}: link annotation {a} has no /Contents")
        # headings
        top = 0
        for level in headings:
            if level > top + 1:
                self.bad(f"heading H{level} after H{top} skips a level" if top else
                         f"the first heading is H{level}, not H1")
            top = max(top, level) if level <= top + 1 else top
            top = level if level <= top + 1 else top
        # languages and reading order, per page
        for pno in range(len(pages)):
            mcids, artifacts = scans[pno]
            tree_text, loose, shorts = [], list(artifacts), []
            for (key, in_fig, actual, lang_here) in order:
                if key[0] != pno or key[1] not in mcids:
                    continue
                text = "".join(mcids[key[1]]["text"])
                lang_here = mcids[key[1]]["lang"] or lang_here
                if re.search("[\uac00-\ud7a3]", text) and not (lang_here or "").lower().startswith("ko"):
                    self.bad(f"page {pno + 1}: Korean text \"{text.strip()[:40]}\" is not marked /Lang ko")
                if (re.search("[A-Za-z]{3}", text) and not re.search("[\uac00-\ud7a3]", text)
                        and (lang_here or "").lower().startswith("ko")):
                    self.bad(f"page {pno + 1}: English text \"{text.strip()[:40]}\" is read as Korean (/Lang ko)")
                said = text if actual is None else actual
                # a figure's content is read as its /Alt; short texts (note
                # numbers, bullets, markers) are where pdftotext's columns
                # put them: neither is held to pdftotext's order
                if in_fig or sum(c.isalnum() for c in said) < 4:
                    loose.append(said if not in_fig else text)
                    if not in_fig:
                        shorts.append(said)
                else:
                    tree_text.append(said)
            self.reading_order(pno, "".join(tree_text), "".join(loose), "".join(shorts))
        return self.problems

    def hyphenated(self, actual_keys, scans):
        """Words hyphenated at a line end: an element with /ActualText whose
        content has a marked-content sequence ending in a hyphen before
        more content is such a word."""
        def mc(key):
            pno, mcid = key
            return scans[pno][0].get(mcid) if pno < len(scans) else None
        for ref, (actual, keys) in actual_keys.items():
            marks = [m for m in (mc(k) for k in keys) if m is not None]
            texts = ["".join(m["text"]).strip() for m in marks]
            if not actual.strip():
                continue
            if texts and texts[-1].endswith("-") and len(texts) == 1 and actual != texts[0][:-1]:
                self.bad(f"the /ActualText \"{actual}\" of {ref} holds only the head "
                         f"\"{texts[0]}\" of a hyphenated word, not both halves")
                continue
            heads = [i for i, t in enumerate(texts[:-1]) if t.endswith("-")]
            if not heads:
                continue
            # a hyphen drawn at a soft hyphen goes; a word's own ("anti-|American") stays
            whole = "".join(t[:-1] if i == heads[0] else t for i, t in enumerate(texts))
            if actual not in (whole, "".join(texts)):
                self.bad(f"the /ActualText \"{actual}\" of {ref} is not its hyphenated word "
                         f"\"{'|'.join(texts)}\" without the line-end hyphen, or with its own")
            if marks[0]["actual"] != actual:
                self.bad(f"the marked content of hyphenated word \"{actual}\" ({ref}) does not carry "
                         f"its /ActualText (it has {marks[0]['actual']!r})")
            for m in marks[1:]:
                if m["actual"] is None or m["actual"].strip():
                    self.bad(f"the rest of hyphenated word \"{actual}\" ({ref}) is read as "
                             f"{m['actual']!r}, not as nothing but a space")

    def kids(self, elem):
        """The structure elements among an element's kids: (ref, dict)."""
        k = elem.get("/K", [])
        out = []
        for r in k if isinstance(k, list) else [k]:
            v = self.doc.get(r)
            if isinstance(v, dict) and "/S" in v:
                out.append((r, v))
        return out

    def table(self, ref, elem):
        """Rows of equal length, a header row or column, scoped TH cells."""
        rows = []
        for r, e in self.kids(elem):
            if e.get("/S") in ("/THead", "/TBody", "/TFoot"):
                rows += [(r2, e2) for r2, e2 in self.kids(e) if e2.get("/S") == "/TR"]
            elif e.get("/S") == "/TR":
                rows.append((r, e))
        if not rows:
            self.bad(f"Table {ref} has no rows (TR)")
            return
        cells = [[e.get("/S") for _, e in self.kids(row) if e.get("/S") in ("/TH", "/TD")]
                 for _, row in rows]
        counts = sorted(set(len(c) for c in cells))
        if len(counts) > 1:
            self.bad(f"Table {ref}: its rows have {', '.join(map(str, counts))} cells, not one number")
        if not (all(c == "/TH" for c in cells[0]) or all(c and c[0] == "/TH" for c in cells)):
            self.bad(f"Table {ref} has no header row of TH cells (nor a TH starting each row)")
        for _, row in rows:
            for r, e in self.kids(row):
                if e.get("/S") != "/TH":
                    continue
                attrs = self.doc.get(e.get("/A"))
                attrs = attrs if isinstance(attrs, list) else [attrs]
                if not any(isinstance(self.doc.get(a), dict) and self.doc.get(a).get("/Scope") in
                           ("/Row", "/Column", "/Both") for a in attrs):
                    self.bad(f"Table {ref}: header cell {r} has no /Scope")

    def xmp_ua(self, cat):
        """pdfuaid:part 1, declared in a PDF/A extension schema."""
        ref = cat.get("/Metadata")
        xmp = self.doc.stream(ref).decode("utf-8", errors="replace") if isinstance(ref, str) else ""
        if not re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp):
            self.bad("the XMP metadata has no pdfuaid:part 1 (PDF/UA-1)")
        elif not re.search(r"<pdfaSchema:namespaceURI>http://www\.aiim\.org/pdfua/ns/id/"
                           r"</pdfaSchema:namespaceURI>", xmp):
            self.bad("the XMP metadata's pdfuaid schema is not declared in a PDF/A extension schema")

    def reading_order(self, pno, tree, loose, shorts):
        out = subprocess.run(["pdftotext", "-raw", "-f", str(pno + 1), "-l", str(pno + 1), "-enc", "UTF-8",
                              self.path, "-"], capture_output=True, check=False)
        extracted = out.stdout.decode("utf-8", errors="replace")

        def alnum(s):
            return [c for c in s if c.isalnum()]
        t, x, extra = alnum(tree), alnum(extracted), collections.Counter(alnum(loose))
        k = 0
        for c in x:
            if k < len(t) and c == t[k]:
                k += 1
        if k < len(t):
            ctx = "".join(t[max(0, k - 30):k + 10])
            self.bad(f"page {pno + 1}: the tree's text is not in pdftotext's order near \"{ctx}\"")
            return
        left = collections.Counter(x) - collections.Counter(t)
        over = left - extra
        missing = collections.Counter(alnum(shorts)) - (collections.Counter(x) - collections.Counter(t))
        if sum(missing.values()) > 0:
            self.bad(f"page {pno + 1}: the tree holds text pdftotext does not read: "
                     f"{''.join(sorted(missing.elements()))[:60]}")
        if sum(over.values()) > 0:
            self.bad(f"page {pno + 1}: pdftotext reads text the tree does not hold: "
                     f"{''.join(sorted(over.elements()))[:60]}")


def main(argv):
    problems = []
    for path in argv[1:]:
        try:
            problems += Checker(path).run()
        except Exception as e:  # a file the checker cannot read is a problem too
            problems.append(f"{path}: cannot check: {e!r}")
    for p in problems:
        print(p)
    print(f"check_tags: {len(argv) - 1} file(s), {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
