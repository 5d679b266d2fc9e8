// The search page of `loupe serve` in headless Chromium (Debian's chromium,
// driven by playwright-core from npm): live diagnostics and their fix, search,
// paging, a facet, the timeline drag, the article view, the keyboard, and
// articles whose fields hold markup and script that must show as text and
// never run. Saves a screenshot of each state in OUT.
//   node page_test.cjs LOUPE_CLI SOURCE_DIR OUT PLAYWRIGHT_CORE_DIR CHROMIUM
// Exits 0 when every check holds, 1 otherwise (the first failure is printed).
'use strict';
const {spawn, execFileSync} = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [loupe, source, out, pwDir, chromium] = process.argv.slice(2);
const {chromium: launcher} = require(path.join(pwDir, 'node_modules', 'playwright-core'));

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok - ' + what);
}

// Articles whose every field tries to inject markup or script.
const HOSTILE = [
  ['x1-script-title.txt', [
    '<script>window.__xss=1</script> Tariff plan "><img src=x onerror="window.__xss=2">',
    'Author: <img src=x onerror=window.__xss=3>',
    'Date: 2025-05-01',
    'Actors: Scott Bessent; <svg onload=window.__xss=4>',
    'Topics: tariffs; javascript:window.__xss=5',
    '',
    'Tariffs again <script>window.__xss=6</script> and a link <a href="javascript:window.__xss=7">click</a>',
    'and "><img src=x onerror=window.__xss=8> and more about tariffs in Quillmarsh.',
  ]],
  ['x2-javascript-link.txt', [
    'javascript:window.__xss=9 tariff notes',
    'Date: 2025-06-02',
    '',
    '<iframe src="javascript:window.__xss=10"></iframe> tariffs <style>body{display:none}</style>',
    '<b onmouseover=window.__xss=11>bold</b> tariff in Quillmarsh',
  ]],
];

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-page-'));
  const corpus = path.join(work, 'corpus');
  fs.cpSync(path.join(source, 'corpus'), corpus, {recursive: true});
  for (const [name, lines] of HOSTILE) fs.writeFileSync(path.join(corpus, 'articles', name), lines.join('\n') + '\n');
  const db = path.join(work, 'db');
  execFileSync(loupe, ['index', '-q', '--db', db, corpus], {stdio: 'ignore'});

  const server = spawn(loupe, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--threads', '2'], {stdio: ['ignore', 'pipe', 'inherit']});
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    server.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/http:\/\/[^ ]+\//);
      if (m) resolve(m[0]);
    });
    server.on('exit', (code) => reject(new Error('loupe serve exited ' + code)));
  });
  const browser = await launcher.launch({executablePath: chromium, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']});
  fs.mkdirSync(out, {recursive: true});
  let failed = null;
  try {
    const page = await browser.newPage({viewport: {width: 1200, height: 900}});
    const problems = [];
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('dialog', (d) => { problems.push('dialog: ' + d.message()); d.dismiss(); });
    page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
    const shot = (name) => page.screenshot({path: path.join(out, name + '.png'), fullPage: false});
    const injected = () => page.evaluate(() => ({
      xss: window.__xss,
      elements: document.querySelectorAll('main img, main script, main iframe, main svg [onload], #article img, #article script, #article iframe, [onerror], [onload], [onmouseover], a[href^="javascript:"]').length,
    }));

    // The hostile articles: their fields show as text, nothing runs.
    await page.goto(url + '?q=quillmarsh');
    await page.waitForSelector('.hit');
    await page.waitForSelector('#timeline svg');
    const titles = await page.$$eval('.hit h2', (hs) => hs.map((h) => h.textContent));
    check(titles.some((t) => t.includes('<script>window.__xss=1</script>')), 'a title holding <script> shows as text');
    check(titles.some((t) => t.startsWith('javascript:')), 'a title starting javascript: shows as text');
    let inj = await injected();
    check(inj.xss === undefined && inj.elements === 0, 'no markup from the articles became elements in the hits, nothing ran');
    const hostile = await page.$$eval('.hit', (hs) => hs.findIndex((h) => h.textContent.includes('__xss=1</script>')));
    check(hostile >= 0, 'the hostile article is among the hits');
    await page.click(`.hit[data-index="${hostile}"] h2 button`);
    await page.waitForSelector('#article:not([hidden]) p');
    const body = await page.textContent('#article-body');
    if (!body.includes('<a href="javascript:window.__xss=7">click</a>')) console.error(body);
    check(body.includes('<a href="javascript:window.__xss=7">click</a>'), 'the article body shows its markup as text');
    inj = await injected();
    check(inj.xss === undefined && inj.elements === 0, 'nothing ran in the article view');
    await shot('article-hostile');
    await page.goBack();
    await page.waitForSelector('#article[hidden]', {state: 'attached'});

    // Live diagnostics and the fix-it.
    await page.goto(url);
    await page.fill('#q', 'actor:"Bessent');
    await page.waitForSelector('.diag .message');
    check((await page.textContent('.diag .message')).includes('quote'), 'a faulty query shows its diagnostic as typed');
    check((await page.getAttribute('#q', 'aria-invalid')) === 'true', 'the box is marked invalid');
    await shot('diagnostic');
    await page.click('.diag button.fix');
    check((await page.inputValue('#q')) === 'actor:"Bessent"', 'the fix button applies the fix-it');
    await page.waitForFunction(() => !document.querySelector('.diag'));
    await page.press('#q', 'Enter');
    await page.waitForSelector('.hit');
    check(new URL(page.url()).searchParams.get('q') === 'actor:"Bessent"', 'Enter searches and the URL holds the query');
    await shot('search');

    // A misspelt query offers its correction.
    await page.fill('#q', 'tarifs');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#status button.dym');
    await page.click('#status button.dym');
    await page.waitForFunction(() => document.getElementById('q').value === 'tariffs');
    check(true, 'the did-you-mean button searches the correction');

    // Paging by cursor.
    await page.fill('#q', 'tariffs');
    await page.press('#q', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('.hit').length === 20);
    await page.click('#more');
    await page.waitForFunction(() => document.querySelectorAll('.hit').length > 20);
    const ids = await page.$$eval('.hit h2', (hs) => hs.map((h) => h.textContent));
    check(new Set(ids).size === ids.length, '"More" appends the next page, no hit twice');
    check(await page.isHidden('#more') === (ids.length >= 56 - 2), '"More" shows only while hits are left');

    // Each actor of the facet has its aliases on hover.
    await page.waitForFunction(() => {
      const b = document.querySelector('.facets button[data-value="Scott Bessent"]');
      return b && b.title.startsWith('Also: ');
    });
    const bessent = await page.$eval('.facets button[data-value="Scott Bessent"]', (b) => b.title);
    check(bessent.includes('贝森特') && bessent.includes('Treasury Secretary Bessent'),
      'an actor\'s aliases show on hover (' + bessent + ')');

    // A reader whose browser speaks Chinese sees the names written in Han,
    // and a click still adds the canonical name.
    const zh = await browser.newPage({viewport: {width: 1200, height: 900}, locale: 'zh-CN'});
    zh.on('pageerror', (e) => problems.push('page error (zh): ' + e.message));
    await zh.goto(url + '?q=' + encodeURIComponent('actor:Bessent'));
    await zh.waitForFunction(() => [...document.querySelectorAll('.facets button[data-field="actor"] .value')]
      .some((v) => v.textContent === '斯科特·贝森特'));
    // (read before the click: the search it starts draws the facets again,
    // and their names in Han follow a moment later)
    const shownZh = await zh.$$eval('.facets button[data-field="actor"] .value', (vs) => vs.map((v) => v.textContent));
    await zh.click('.facets button[data-value="Scott Bessent"]');
    await zh.waitForFunction(() => new URL(location.href).searchParams.get('q').includes('actor:"Scott Bessent"'));
    const typedZh = await zh.inputValue('#q');
    check(shownZh.includes('斯科特·贝森特') && typedZh.endsWith('actor:"Scott Bessent"'),
      'a Chinese reader sees 斯科特·贝森特, and clicking it adds actor:"Scott Bessent" (shown: ' +
      shownZh.join(', ') + '; query: ' + typedZh + ')');
    await zh.close();

    // A facet adds actor:"…" to the query.
    const facet = await page.$('.facets button[data-field="actor"]');
    const value = await facet.$eval('.value', (v) => v.textContent);
    await facet.click();
    await page.waitForFunction((v) => new URL(location.href).searchParams.get('q').includes('actor:"' + v + '"'), value);
    await page.waitForSelector('.hit');
    check((await page.inputValue('#q')).endsWith('actor:"' + value + '"'), 'clicking a facet adds actor:"' + value + '"');
    await shot('facet');

    // Dragging over the timeline adds date:A..B.
    await page.fill('#q', 'tariffs');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#timeline svg rect.bar');
    const box = await (await page.$('#timeline svg')).boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, {steps: 5});
    await page.mouse.up();
    await page.waitForFunction(() => /date:\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d/.test(document.getElementById('q').value));
    await page.waitForSelector('.hit');
    check(true, 'dragging over the timeline adds date:A..B and searches');
    await shot('timeline');

    // Back and forward walk the queries.
    await page.goBack();
    await page.waitForFunction(() => document.getElementById('q').value === 'tariffs');
    check(true, 'Back restores the previous query');
    await page.goForward();
    await page.waitForFunction(() => document.getElementById('q').value.includes('date:'));
    check(true, 'Forward restores the next one');

    // Keyboard: / focuses the box, arrows move through hits, Enter opens one.
    await page.click('body', {position: {x: 5, y: 300}});
    await page.keyboard.press('/');
    check(await page.evaluate(() => document.activeElement.id === 'q'), '/ focuses the query box');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    check(await page.evaluate(() => document.activeElement.dataset.index === '1'), 'arrows move through the hits');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#article:not([hidden]) p');
    check(true, 'Enter opens the hit');
    await shot('article');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#article[hidden]', {state: 'attached'});

    // Every control has an accessible name; a phone-width screen has no sideways scroll.
    const unnamed = await page.$$eval('input, select, button', (els) => els.filter((e) => !e.getAttribute('aria-label') && !e.labels?.length && !e.textContent.trim()).length);
    check(unnamed === 0, 'every control has a label');
    await page.setViewportSize({width: 375, height: 800});
    await page.waitForTimeout(50);
    check(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling at phone width');
    await shot('phone');
    check(problems.length === 0, 'no page errors, dialogs or console errors: ' + problems.join('; '));
  } catch (e) {
    failed = e;
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    const code = await new Promise((r) => server.on('exit', r));
    if (!failed && code !== 0) failed = new Error('loupe serve exited ' + code + ' on SIGTERM');
    fs.rmSync(work, {recursive: true, force: true});
  }
  if (failed) {
    console.error('FAILED: ' + failed.message);
    process.exit(1);
  }
  console.log('screenshots in ' + out);
}

main().catch((e) => {
  console.error('FAILED: ' + e.stack);
  process.exit(1);
});
