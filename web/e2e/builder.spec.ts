import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, shot, test } from './support';

// The journey of the person who designs workflows: the triage sample built from an empty canvas by drag and drop,
// configured in the step settings, a validation error seen on its step and fixed, published, test-run, exported and
// re-imported. Each stage leaves a screenshot in test-results/screenshots/builder-*.png.

const library = (page: Page) => page.locator('aside[aria-label="Node library"]');
const settings = (page: Page) => page.locator('aside[aria-label="Step settings"]');
const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

/** Drags a node type from the library onto the canvas at a point of the pane (HTML5 drag and drop, as a person does). */
async function drop(page: Page, displayName: string, at: { x: number; y: number }) {
  await library(page).getByRole('button', { name: displayName, exact: true }).dragTo(page.locator('.react-flow__pane'), { targetPosition: at });
}

/**
 * Where an element is once it has stopped moving: auto-layout and "zoom to fit" animate the viewport (300 ms), and a
 * press aimed at a port while it moves can land on the card and drag the step instead of drawing an edge.
 */
async function steadyBox(locator: Locator) {
  let last = await locator.boundingBox();
  for (let i = 0; i < 100; i++) {
    await locator.page().waitForTimeout(50);
    const next = await locator.boundingBox();
    if (last && next && next.x === last.x && next.y === last.y && next.width === last.width && next.height === last.height) return next;
    last = next;
  }
  throw new Error(`${locator} kept moving for 5 s`);
}

/** Draws an edge from a node's output port to another node's input, with the mouse. */
async function connect(page: Page, from: string, port: string, to: string) {
  const source = await steadyBox(page.locator(`.react-flow__handle.source[data-nodeid="${from}"][data-handleid="${port}"]`));
  // A trigger has no input handle: aim at its card, as a person would.
  const handle = page.locator(`.react-flow__handle.target[data-nodeid="${to}"]`);
  const target = await steadyBox((await handle.count()) > 0 ? handle : node(page, to));
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 15 });
  await page.mouse.up();
}

async function select(page: Page, id: string) {
  await node(page, id).click();
  await expect(settings(page).getByLabel('Step name')).toHaveValue(id);
}

async function fill(field: Locator, value: string) {
  await field.fill(value);
  // A `{{` typed into a template field opens the suggestions; Escape closes them without inserting.
  await field.press('Escape');
}

test('build the triage workflow from an empty canvas, validate, publish, test, export and re-import', async ({ signedIn: page, api }) => {
  test.setTimeout(180_000);
  const name = `Triage built in the browser ${Date.now()}`;

  // A new blank workflow opens in the editor.
  await page.getByRole('button', { name: 'New workflow' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create workflow' }).click();
  await expect(page).toHaveURL(/\/workflows\/[^/]+$/);
  const workflowId = page.url().split('/').pop()!;
  await expect(library(page)).toBeVisible();
  await shot(page, 'builder-1-empty');

  // Six steps dragged from the library: the ids come from the types (whatsapp, sentiment, …).
  await drop(page, 'WhatsApp message', { x: 60, y: 260 });
  await drop(page, 'Sentiment', { x: 160, y: 120 });
  await drop(page, 'Intent', { x: 160, y: 400 });
  await drop(page, 'Condition', { x: 300, y: 260 });
  await drop(page, 'Send email', { x: 480, y: 140 });
  await drop(page, 'Send WhatsApp message', { x: 480, y: 400 });
  for (const id of ['whatsapp', 'sentiment', 'intent', 'condition', 'email', 'whatsapp_2']) await expect(node(page, id)).toBeVisible();
  await page.getByRole('button', { name: 'Auto-layout' }).click();

  // A connection the server would refuse is refused while dragging: nothing may lead into a trigger.
  await expect(page.locator('.react-flow__handle.target[data-nodeid="whatsapp"]')).toHaveCount(0);
  await connect(page, 'sentiment', 'out', 'whatsapp');
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);

  await connect(page, 'whatsapp', 'out', 'sentiment');
  await connect(page, 'sentiment', 'out', 'intent');
  await connect(page, 'intent', 'out', 'condition');
  await connect(page, 'condition', 'true', 'email');
  await connect(page, 'condition', 'false', 'whatsapp_2');
  await expect(page.locator('.react-flow__edge')).toHaveCount(5);
  await page.getByRole('button', { name: 'Auto-layout' }).click();
  await shot(page, 'builder-2-connected');

  // Configure what the triage needs, leaving the email's recipient out on purpose.
  await select(page, 'sentiment');
  await fill(settings(page).getByLabel('Input text'), '{{trigger.message_text}}');
  await select(page, 'intent');
  await fill(settings(page).getByLabel('Input text'), '{{trigger.message_text}}');
  await select(page, 'condition');
  const row = settings(page).getByRole('group', { name: 'Condition 1' });
  await fill(row.getByLabel('Variable'), 'steps.sentiment.sentiment');
  await row.getByLabel('Operator').selectOption({ label: 'is equal to' });
  await fill(row.getByLabel('Value'), 'negative');
  await select(page, 'email');
  await fill(settings(page).getByLabel('Subject'), 'Unhappy customer {{trigger.phone_number}}');
  await fill(settings(page).getByLabel('Body'), 'Message: {{trigger.message_text}}');
  await select(page, 'whatsapp_2');
  await fill(settings(page).getByLabel('Recipient'), 'trigger');
  await fill(settings(page).getByLabel('Message'), 'Thanks for your message! We will get back to you shortly.');
  await shot(page, 'builder-3-configured');

  // Validate: the missing recipient is an error pinned on the email step and listed in the panel.
  await page.getByRole('button', { name: 'Validate' }).click();
  const issues = page.locator('section[aria-label="Validation issues"]');
  await expect(issues).toContainText('1 error');
  await expect(issues).toContainText('email');
  await expect(node(page, 'email').getByRole('note', { name: /^1 issue: .*\bto\b/i })).toBeVisible();
  await shot(page, 'builder-4-invalid');

  // Clicking the issue brings the step up; fixing the field and validating again makes the workflow valid.
  await issues.getByRole('button', { name: /email/ }).first().click();
  await expect(settings(page).getByLabel('Step name')).toHaveValue('email');
  await fill(settings(page).getByLabel('To'), 'support@example.com');
  await page.getByRole('button', { name: 'Validate' }).click();
  await expect(issues).toContainText('Valid');
  await expect(page.getByRole('status', { name: 'Save status' })).toHaveText('Saved');
  await shot(page, 'builder-5-valid');

  // What the editor saved is what the server has: six steps, five edges, the condition as written.
  const saved = (await (await api.get(`/api/workflows/${workflowId}`)).json()) as { nodes: { id: string; config: Record<string, unknown> }[]; edges: unknown[] };
  expect(saved.nodes.map((n) => n.id).sort()).toEqual(['condition', 'email', 'intent', 'sentiment', 'whatsapp', 'whatsapp_2']);
  expect(saved.edges).toHaveLength(5);
  expect(saved.nodes.find((n) => n.id === 'email')!.config.to).toBe('support@example.com');

  // Publish.
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByText('Published v1')).toBeVisible();
  await shot(page, 'builder-6-published');

  // Test run with the WhatsApp sample: an unhappy message goes to the email branch, previewed, not sent.
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  const testPanel = page.locator('section[aria-label="Test run"]');
  await testPanel.getByRole('textbox').first().fill(JSON.stringify({ phone_number: '+15550100', message_text: 'My order arrived broken, this is terrible' }));
  await testPanel.getByRole('button', { name: 'Run test' }).click();
  await expect(testPanel).toContainText('Completed');
  await expect(testPanel).toContainText('email');
  await shot(page, 'builder-7-tested');

  // Export, then import the file from the list: it opens as a new draft with the same graph.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
  const file = await download.path();
  const exported = JSON.parse(readFileSync(file!, 'utf8')) as { name: string; nodes: unknown[]; edges: unknown[] };
  expect(exported.name).toBe(name);
  expect(exported.nodes).toHaveLength(6);

  await page.goto('/workflows');
  await page.getByLabel('Workflow file to import').setInputFiles(file!);
  await expect(page).toHaveURL(/\/workflows\/[^/]+$/);
  expect(page.url()).not.toContain(workflowId);
  for (const id of ['whatsapp', 'sentiment', 'intent', 'condition', 'email', 'whatsapp_2']) await expect(node(page, id)).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(5);
  await shot(page, 'builder-8-reimported');
});
