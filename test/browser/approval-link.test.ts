import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serveNode } from "../../functions/api/src/serve-node.js";
import {
  linkFor,
  linksApp,
  outcome,
  useLinksStack,
  waitingReview,
} from "../support/approval-links.js";
import { installed } from "./support/dashboard-stack.js";

// An approval link's page in a real Chromium with JavaScript off, as a person opens it from an
// email: read by its roles and labels, answered with a button, and refused on a second visit.

useLinksStack();
let browser: Browser;
let base: string;
let server: Awaited<ReturnType<typeof serveNode>>["server"];

beforeAll(async () => {
  if (!installed) return;
  const served = await serveNode(linksApp(), 0, "127.0.0.1");
  server = served.server;
  base = `http://127.0.0.1:${(served.address as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
});
afterAll(async () => {
  await browser?.close();
  server?.close();
});

it.skipIf(!installed)("is answered without JavaScript, once", async () => {
  const wf = await waitingReview("browser");
  const path = await linkFor(wf, { topic: "review", recipient: "Ada" });
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const opened = await page.goto(base + path);
  expect(opened?.status()).toBe(200);
  expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(
    "Approve this document?",
  );
  const answer = page.getByRole("group", { name: "Your answer" });
  expect(await answer.getByRole("button").allTextContents()).toEqual([
    "Approve",
    "Request changes",
  ]);
  await page.getByLabel("Note (optional)").fill("Page 2 needs a source");
  await answer.getByRole("button", { name: "Request changes" }).click();
  await page.getByRole("status").waitFor();
  expect(await page.getByRole("status").textContent()).toContain(
    "Your answer, “Request changes”, was sent",
  );
  expect((await outcome(wf)).output).toMatchObject({
    outcome: "changes_requested",
    reviewer: "Ada",
    note: "Page 2 needs a source",
  });

  // The same link again, as a forwarded email's reader would open it.
  const again = await page.goto(base + path);
  expect(again?.status()).toBe(410);
  expect(await page.getByRole("alert").textContent()).toContain("This link was already used");
  await context.close();
});
