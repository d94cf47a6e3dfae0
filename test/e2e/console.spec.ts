// The operator console in Chromium against `batch-desk serve` and the emulator: what an operator does
// on a first day, end to end, with screenshots of every screen in test/artifacts/screens/.

import fs from 'node:fs';
import path from 'node:path';
import { addFolder, API_KEY, expect, makeImageFolder, queueRow, shot, signIn, test, WORKSPACE } from './stack';

test('first run: a refused key is explained, a good key shows its workspace', async ({ consolePage: page, stack }) => {
  await expect(page.locator('.keychain-note')).toBeVisible();
  await shot(page, '01-first-run');

  // The service refuses the key once: the operator reads why and what to do, not a stack trace.
  await stack.setFaults({ rules: [{ route: 'resolve-workspace', kind: 'status', status: 401, times: 1 }] });
  await page.getByLabel('Roboflow API key').fill(API_KEY);
  await page.getByLabel('Keep the key in memory for this session only').check();
  await page.getByRole('button', { name: 'Connect' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('401');
  await expect(alert).not.toContainText(/\n\s+at /);
  await expect(alert.locator('details')).not.toHaveAttribute('open', '');
  await shot(page, '02-first-run-refused');

  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('status')).toContainText(`Connected to workspace ${WORKSPACE}`);
  await expect(page.getByRole('status')).not.toContainText(API_KEY);
  await shot(page, '03-first-run-connected');
  await page.getByRole('button', { name: 'Open the queue' }).click();
  await expect(page.getByText('Drop folders here')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Screens' })).toContainText(WORKSPACE);
  await shot(page, '04-queue-empty');

  // The other screens, empty: each says what it is for.
  await page.getByRole('button', { name: 'Watches' }).click();
  await expect(page.getByText('A watch keeps an eye on a folder')).toBeVisible();
  await shot(page, '05-watches-empty');
  await page.getByRole('button', { name: 'History' }).click();
  await expect(page.getByText('Nothing finished yet')).toBeVisible();
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Profiles' })).toBeVisible();
  await expect(page.locator('.profile')).toContainText(WORKSPACE);
  await expect(page.locator('.profile')).not.toContainText(API_KEY);
  await shot(page, '06-settings');
});

test('a folder added by path is ingested to done, then processed from the job form to results', async ({ consolePage: page, stack }) => {
  const folder = makeImageFolder(path.join(stack.workDir, 'site-a'), 60, { 'notes.txt': 'not an image', 'empty.png': '' });
  const outDir = path.join(stack.workDir, 'results-site-a');
  await signIn(page);

  // No default workflow yet: the drop is ingested only, and the console says so.
  await addFolder(page, folder);
  await expect(page.getByText(/ingested only/)).toBeVisible();
  const row = queueRow(page, 'site-a');
  await shot(page, '10-queue-item-added');
  await expect(row.locator('.qstate')).toHaveText('Done', { timeout: 60_000 });
  await expect(row.locator('.qfiles')).toHaveText('60 / 60');
  await expect(row.locator('.qrej')).toHaveText('2');
  await shot(page, '11-queue-ingested');

  // The rejections, with reasons, from the row's count.
  await row.locator('.rej-link').click();
  const panel = page.getByRole('complementary', { name: 'Item site-a' });
  await expect(panel.getByRole('radio', { name: 'Rejected' })).toHaveAttribute('aria-checked', 'true');
  await expect(panel.locator('.frow')).toHaveCount(2);
  await expect(panel.locator('.frow').filter({ hasText: 'notes.txt' }).locator('.freason')).not.toBeEmpty();
  await shot(page, '12-item-rejections');
  const download = page.waitForEvent('download');
  await panel.getByRole('button', { name: 'Export CSV' }).click();
  const csv = fs.readFileSync(await (await download).path(), 'utf8');
  expect(csv).toContain('notes.txt');
  expect(csv).toContain('empty.png');

  // Its shards, as the engine journaled them: one shard, sent and indexed.
  await panel.getByRole('tab', { name: 'Shards' }).click();
  await expect(panel.getByText('1 of 1 shards sent')).toBeVisible();
  await expect(panel.getByRole('list', { name: 'Shards' }).getByRole('listitem')).toHaveText([/^indexedshard 0\d+ files/]);
  await shot(page, '12b-item-shards');

  // Start processing from the form: the workflow id, an output folder, a job id checked as typed.
  await panel.getByRole('tab', { name: 'Progress' }).click();
  await panel.getByRole('button', { name: 'Start processing…' }).click();
  await panel.getByLabel('Workflow id').fill('count-things');
  await panel.getByLabel('Output folder').fill(outDir);
  await panel.getByLabel('Job id').fill('Bad Id!');
  await expect(panel.getByText('Job id may contain only lower-case letters')).toBeVisible();
  await panel.getByLabel('Job id').fill('e2e-job-01');
  await expect(panel.getByText('Job id may contain only lower-case letters')).toHaveCount(0);
  await shot(page, '13-job-form');
  await panel.getByRole('button', { name: 'Start job' }).click();
  await expect(panel.locator('.copy-id', { hasText: 'Job' })).toContainText('e2e-job-01');

  await expect(row.locator('.qstate')).toHaveText('Done', { timeout: 90_000 });
  await expect(row.locator('[data-stage="export"]')).toHaveAttribute('data-state', 'done');
  await panel.getByRole('tab', { name: 'Job' }).click();
  await expect(panel.locator('.job-stages')).toBeVisible();
  await shot(page, '14-item-job');

  // The export is on disk and the results are shown.
  await panel.getByRole('tab', { name: 'Results' }).click();
  await expect(panel.locator('.results-table tbody tr').first()).toBeVisible();
  await expect(panel.locator('.results-path')).toContainText(outDir);
  await expect(panel.locator('.results-table')).toContainText('img-0000.png');
  expect(fs.existsSync(path.join(outDir, 'results.csv'))).toBe(true);
  await shot(page, '15-item-results');

  // Remembered for next time: the job form opens with this workflow.
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByLabel('Default workflow id')).toHaveValue('count-things');
});

test('a refused upload surfaces as a readable error, and retry finishes the item', async ({ consolePage: page, stack }) => {
  const folder = makeImageFolder(path.join(stack.workDir, 'dock-cams'), 20);
  await signIn(page);
  // The service starts refusing the key: the item must stop with a sentence, not a stack trace.
  await stack.setFaults({ rules: [{ route: '*', kind: 'status', status: 401 }] });
  await addFolder(page, folder);
  const row = queueRow(page, 'dock-cams');
  await expect(row.locator('.qstate')).toHaveText('Failed', { timeout: 60_000 });
  const reason = (await row.locator('.qmeter-label').textContent()) ?? '';
  expect(reason.length).toBeGreaterThan(10);
  expect(reason).not.toMatch(/\bat \S+ \(|Error:|undefined/);
  await shot(page, '20-queue-failed');
  await row.click();
  const panel = page.getByRole('complementary', { name: 'Item dock-cams' });
  await expect(panel.getByRole('alert')).toBeVisible();
  await panel.getByRole('alert').getByText('Details').click();
  await shot(page, '21-item-failed');

  await stack.setFaults({});
  await panel.getByRole('alert').getByRole('button', { name: 'Retry failed' }).click();
  await expect(row.locator('.qstate')).toHaveText('Done', { timeout: 60_000 });
  await expect(row.locator('.qfiles')).toHaveText('20 / 20');
  // The failure notice went away with the failure; the "done" notice says what happened since.
  await expect(page.locator('.notices .notice-error')).toHaveCount(0);
  await expect(page.locator('.notices')).toContainText('dock-cams is done.');
  await shot(page, '22-queue-retried');
});

test('settings drive a drop, watches are managed, and everything works from the keyboard', async ({ consolePage: page, stack }) => {
  const outRoot = path.join(stack.workDir, 'out');
  const incoming = path.join(stack.workDir, 'incoming');
  fs.mkdirSync(incoming, { recursive: true });
  await signIn(page);

  // Settings: a default workflow and output folder make a drop run the whole pipeline.
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Default workflow id').fill('count-things');
  await page.getByLabel('Default output folder').fill(outRoot);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved', { exact: true })).toBeVisible();

  // A drop in a browser: the overlay says what will happen, then the path is asked for.
  await page.getByRole('button', { name: 'Queue' }).click();
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['x'], 'site-b', { type: '' }));
    return dt;
  });
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await expect(page.locator('.drop-overlay')).toContainText('new item');
  await shot(page, '30-drop-overlay');
  await page.dispatchEvent('body', 'drop', { dataTransfer });
  await expect(page.getByRole('dialog')).toContainText('A browser does not reveal where dropped folders live');
  const folder = makeImageFolder(path.join(stack.workDir, 'site-b'), 12);
  await page.getByLabel('Folder path on the machine running Batch Desk').fill(folder);
  await expect(page.locator('.preview-line')).toContainText('12 images');
  await shot(page, '31-drop-path');
  await page.getByRole('button', { name: 'Add to queue' }).click();
  const row = queueRow(page, 'site-b');
  await expect(row.locator('.qstate')).toHaveText('Done', { timeout: 90_000 });
  await expect(row.locator('[data-stage="export"]')).toHaveAttribute('data-state', 'done');

  // Keyboard: focus the row, open it with Enter, switch tabs with arrows, close with Escape.
  await row.focus();
  await page.keyboard.press('Shift+Tab'); // arrive at the row by keyboard, as an operator would
  await page.keyboard.press('Tab');
  await expect(row).toBeFocused();
  expect(await row.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none'); // a visible focus ring
  await shot(page, '32-row-focus');
  await page.keyboard.press('Enter');
  const panel = page.getByRole('complementary', { name: 'Item site-b' });
  await expect(panel).toBeVisible();
  await panel.getByRole('tab', { name: 'Progress' }).focus();
  for (const tab of ['Files', 'Shards', 'Job', 'Results']) {
    await page.keyboard.press('ArrowRight');
    await expect(panel.getByRole('tab', { name: tab })).toBeFocused();
  }
  await expect(panel.getByRole('tab', { name: 'Results' })).toHaveAttribute('aria-selected', 'true');
  await expect(panel.locator('.results-table tbody tr').first()).toBeVisible();
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, '33-results-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);

  // Watches: add one, see it watching, pause it, remove it.
  await page.getByRole('button', { name: 'Watches' }).click();
  await page.getByRole('button', { name: 'Add watch' }).click();
  await page.getByLabel('Folder', { exact: true }).fill(incoming);
  await expect(page.getByLabel('Workflow id')).toHaveValue('count-things');
  await page.getByRole('button', { name: 'Start watching' }).click();
  const watchRow = page.locator('tr.watch', { hasText: 'incoming' });
  await expect(watchRow.locator('.pill')).toHaveText(/Watching|Polling/);
  await shot(page, '34-watches');
  await watchRow.getByRole('button', { name: 'Pause' }).click();
  await expect(watchRow.locator('.pill')).toHaveText('Paused');
  page.once('dialog', (d) => void d.accept());
  await watchRow.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByText('A watch keeps an eye on a folder')).toBeVisible();

  // History lists the finished item.
  await page.getByRole('button', { name: 'History' }).click();
  await expect(queueRow(page, 'site-b')).toBeVisible();
  await shot(page, '35-history');
});
