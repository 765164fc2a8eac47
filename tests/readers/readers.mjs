#!/usr/bin/env node
// Opens each PDF given on the command line in three engines people read PDFs
// with: PDF.js (Firefox), PDFium (Chrome) and MuPDF. Prints one JSON object
// per file: for every engine the page count, the text of each page, the links
// (external URI, or the page index an internal link lands on) and any error.
// Adapted from the team's shared pdf-readers tool, with link targets resolved.
//   node readers.mjs FILE.pdf ...
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node readers.mjs FILE.pdf ...");
  process.exit(2);
}

async function withPdfjs(bytes) {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), verbosity: 0,
    standardFontDataUrl: path.join(path.dirname(require.resolve("pdfjs-dist/package.json")), "standard_fonts/") }).promise;
  const pages = [], links = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    const tc = await page.getTextContent();
    pages.push(tc.items.map((it) => it.str + (it.hasEOL ? "\n" : "")).join(""));
    for (const a of await page.getAnnotations()) {
      if (a.subtype !== "Link") continue;
      const l = { page: i - 1, rect: a.rect };
      if (a.url || a.unsafeUrl) l.uri = a.url || a.unsafeUrl;
      else if (a.dest) {
        let dest = a.dest;
        if (typeof dest === "string") dest = await doc.getDestination(dest);
        if (Array.isArray(dest) && dest[0]) {
          l.dest_page = await doc.getPageIndex(dest[0]);
          l.dest_y = typeof dest[3] === "number" ? dest[3] : (typeof dest[2] === "number" ? dest[2] : null);
        }
      }
      links.push(l);
    }
  }
  const meta = await doc.getMetadata();
  const outline = (await doc.getOutline()) || [];
  const titles = [];
  const walk = (items) => { for (const o of items) { titles.push(o.title); walk(o.items || []); } };
  walk(outline);
  return { pages: doc.numPages, text: pages, links, title: meta.info?.Title ?? null,
           lang: meta.info?.Language ?? null, outline: titles };
}

async function withPdfium(bytes) {
  const { PDFiumLibrary } = await import("@hyzyla/pdfium");
  const lib = await PDFiumLibrary.init();
  try {
    const doc = await lib.loadDocument(new Uint8Array(bytes));
    const pages = [];
    for (const page of doc.pages()) pages.push(page.getText());
    const n = doc.getPageCount();
    doc.destroy();
    return { pages: n, text: pages };
  } finally {
    lib.destroy();
  }
}

async function withMupdf(bytes) {
  const mupdf = await import("mupdf");
  const doc = mupdf.Document.openDocument(new Uint8Array(bytes), "application/pdf");
  const n = doc.countPages(), pages = [], links = [];
  for (let i = 0; i < n; i++) {
    const page = doc.loadPage(i);
    pages.push(page.toStructuredText().asText());
    for (const l of page.getLinks()) {
      const e = { page: i, rect: l.getBounds() };
      if (l.isExternal()) e.uri = l.getURI();
      else {
        try { e.dest_page = doc.resolveLink(l.getURI()); } catch (err) { e.error = String(err); }
      }
      links.push(e);
    }
  }
  return { pages: n, text: pages, links, title: doc.getMetaData("info:Title") ?? null };
}

const engines = { pdfjs: withPdfjs, pdfium: withPdfium, mupdf: withMupdf };
let failed = false;
for (const file of files) {
  const bytes = fs.readFileSync(file);
  const result = { file };
  for (const [name, fn] of Object.entries(engines)) {
    try { result[name] = await fn(bytes); }
    catch (e) { result[name] = { error: String(e?.message ?? e) }; failed = true; }
  }
  console.log(JSON.stringify(result));
}
process.exitCode = failed ? 1 : 0; // not process.exit(): it would cut off piped output
