// tests/watch/watch.mjs URL CLAIMS OUTDIR - drives headless Chromium
// (Debian's, through puppeteer-core) against a running `briefpress watch`:
// the page shows the pages; an edit of a claim makes the page reload with a
// new render whose page differs; a broken claims file shows its error
// (file:line:col, HTML-escaped) on the page, and fixing it clears it; the
// server answers only its own Host, and GET. Screenshots go to OUTDIR.
// Prints each failure and a closing 'N passed, N failed' line; exit 1 on any.
import fs from 'node:fs';
import http from 'node:http';
import puppeteer from 'puppeteer-core';

const [url, claimsPath, outDir] = process.argv.slice(2);
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else { failed++; console.log(`FAIL: ${what}`); }
}

// a raw request, so that Host and the method can be anything
function request(method, path, host) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({host: u.hostname, port: u.port, method, path,
                              headers: host ? {Host: host} : {}}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers,
                                   body: Buffer.concat(chunks)}));
    });
    req.on('error', reject);
    req.end();
  });
}

// the version the page shows, once it shows one other than `old`
async function nextVersion(page, old, what) {
  const until = Date.now() + 30000;
  while (Date.now() < until) {
    try {
      const v = await page.evaluate(() => document.body && document.body.dataset.version);
      if (v && v !== old) {
        await page.waitForFunction(() => [...document.images].every((i) => i.complete),
                                   {timeout: 10000});
        return v;
      }
    } catch (e) { /* the page is reloading */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  check(false, `${what}: the page did not reload with a new render within 30 s`);
  return old;
}

const pagePng = async (n) => (await request('GET', `/page/${n}.png`, new URL(url).host)).body;

const original = fs.readFileSync(claimsPath, 'utf8');
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.setViewport({width: 900, height: 1200});
  await page.goto(url, {waitUntil: 'load'});
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  const v1 = await page.evaluate(() => document.body.dataset.version);
  const imgs = await page.evaluate(() => [...document.images].map((i) => [i.naturalWidth, i.alt]));
  check(imgs.length >= 1 && imgs[0][0] > 100, `the page shows the pages (${JSON.stringify(imgs)})`);
  check(await page.$('#error') === null, 'a good render shows no error');
  await page.screenshot({path: `${outDir}/before.png`});
  const before = await pagePng(1);
  check(before.subarray(1, 4).toString() === 'PNG', 'page 1 is a PNG');

  // edit a claim the brief shows: the page reloads by itself, page 1 changes
  const edited = original.replace(/("id": "missions-seven-closed",\s*"text": ")[^"]*/,
                                  '$1Edited in the browser test: WATCHED CLAIM [@mbc_20231205].');
  check(edited !== original, 'the claim to edit is in the claims file');
  fs.writeFileSync(claimsPath, edited);
  const v2 = await nextVersion(page, v1, 'edit');
  check(v2 !== v1, `an edit gives a new render (${v1} -> ${v2})`);
  const after = await pagePng(1);
  check(after.length > 0 && !after.equals(before), 'page 1 changed after the edit');
  const src = await page.evaluate(() => document.images[0].src);
  check(src.endsWith(`v=${v2}`), `the page shows the new render's image (${src})`);
  await page.screenshot({path: `${outDir}/after.png`});

  // a claim that breaks the data: its error, with file:line:col, escaped
  const broken = edited.replace('"id": "missions-seven-closed"',
                                '"id": "missions-seven-closed<b>bold</b>"');
  fs.writeFileSync(claimsPath, broken);
  const v3 = await nextVersion(page, v2, 'broken');
  const err = await page.evaluate(() => {
    const e = document.querySelector('#error');
    return e && {text: e.textContent, tags: e.querySelectorAll('*').length};
  });
  check(err !== null, 'a failed render shows its error on the page');
  if (err) {
    check(/claims\/nk-missions\.json:\d+:\d+/.test(err.text), `the error says file:line:col: ${err.text}`);
    check(err.text.includes('<b>bold</b>') && err.tags === 0, `the error is HTML-escaped: ${err.text}`);
  }
  const stillPages = await page.evaluate(() => document.images.length);
  check(stillPages >= 1, 'the last good pages stay below the error');
  await page.screenshot({path: `${outDir}/error.png`});

  // fixed again: the error goes
  fs.writeFileSync(claimsPath, original);
  await nextVersion(page, v3, 'fixed');
  check(await page.$('#error') === null, 'the error goes once the file is fixed');
  const restored = await pagePng(1);
  check(restored.equals(before), 'the original claim gives the original page again');
  check(consoleErrors.length === 0, `no script errors: ${consoleErrors.join('; ')}`);

  // the server: only its own Host, only GET, nothing else served
  const host = new URL(url).host;
  check((await request('GET', '/', 'evil.example')).status === 403, 'another Host is refused');
  check((await request('GET', '/', `localhost:${new URL(url).port}`)).status === 200, 'localhost:PORT is fine');
  check((await request('POST', '/', host)).status === 405, 'POST is refused');
  check((await request('GET', '/page/99.png', host)).status === 404, 'a page that is not there: 404');
  check((await request('GET', '/../etc/passwd', host)).status === 404, 'no file is served');
  const state = JSON.parse((await request('GET', '/state', host)).body);
  check(state.error === null && state.pages >= 1, `/state: ${JSON.stringify(state)}`);
} finally {
  fs.writeFileSync(claimsPath, original);
  await browser.close();
}
console.log(`watch: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
