/**
 * GraphiQL in a real headless Chromium with no network beyond this machine: every request to another
 * host is aborted and counted. The page must load from our server alone, open with the examples as
 * tabs, and run one. (npm test leaves this suite out, saying so, where no Chromium is installed:
 * test/support/test-environment.js.)
 */
import { type Browser, chromium } from 'playwright-core';
import { apiExamples } from '../src/graphql/examples';
import { chromiumPath } from './support/test-environment';
import { type TestApp, startTestApp } from './support/test-app';

describe('GraphiQL at GET /graphql in a browser, offline', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp('pglite', { NODE_ENV: 'development' });
    browser = await chromium.launch({
      executablePath: chromiumPath() ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('loads from this server only, opens with the examples as tabs and runs them', async () => {
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(String(err)));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
      elsewhere.push(route.request().url());
      return route.abort();
    });

    await page.goto(t.url);
    await page.waitForSelector('.graphiql-container');
    expect(await page.locator('.graphiql-tab').count()).toBe(apiExamples({ now: Date.now() }).length);
    await page.locator('.graphiql-tab').first().click();
    expect(await page.locator('.graphiql-query-editor').innerText()).toContain('health');
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.result-window', { hasText: '"status"' }).waitFor();
    expect((await page.locator('.result-window').innerText()).replace(/\s+/g, '')).toContain('"health":{"status":"ok"');

    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
