import { describe, expect, it } from "vitest";
import {
  auditLog,
  form,
  json,
  linkFor,
  mint,
  outcome,
  postedFor,
  PUBLIC_API_URL,
  received,
  request,
  id,
  authorized,
  useLinksStack,
  waitingReview,
} from "../support/approval-links.js";

// Approval links end to end on a real worker and the real app: minted with the API key, opened
// and answered with nothing but the link, as a person's browser does (a form, no script), and as
// a program does (Accept: application/json).

useLinksStack();

describe("an approval link, answered by a person", () => {
  it("shows the question, the workflow's summary and one button per choice, in a page without script", async () => {
    const wf = await waitingReview("page");
    const minted: { status: number; body: any } = await mint(wf, {
      topic: "review",
      recipient: "ada@example.com",
    });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({
      workflow_id: wf,
      topic: "review",
      choices: ["approve", "request_changes"],
      recipient: "ada@example.com",
      url: `http://localhost${minted.body.path}`,
    });
    expect(minted.body.path).toMatch(/^\/links\/[\w-]+\.[\w-]+\.[\w-]+$/);

    // No key: the link is the credential.
    const page = await request(minted.body.path);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'none'");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain("<h1>Approve this document?</h1>");
    expect(html).toContain("All 2 page(s) were checked");
    expect(html).toContain("For ada@example.com.");
    expect(html).toMatch(/<form method="post">/);
    expect(html).toContain('<label for="note">');
    expect(html).toMatch(
      /<button type="submit" name="choice" value="approve"[^>]*>Approve<\/button>/,
    );
    expect(html).toMatch(/name="choice" value="request_changes" class="reject">Request changes</);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("is not asking yet");

    const view = await request(minted.body.path, { headers: json });
    expect(await view.json()).toEqual({
      workflow_id: wf,
      topic: "review",
      question: "Approve this document?",
      summary: "All 2 page(s) were checked; the review waits for your decision.",
      choices: [
        { name: "approve", label: "Approve" },
        { name: "request_changes", label: "Request changes", reject: true },
      ],
      recipient: "ada@example.com",
      expires_at: minted.body.expires_at,
      waiting: true,
    });
    // Opening it (twice) sent nothing: the review still waits.
    expect(await received(wf)).toEqual([]);

    const answered = await request(minted.body.path, {
      method: "POST",
      ...form({ choice: "request_changes", note: "Page 2 needs a source" }),
    });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain("Your answer, “Request changes”, was sent");
    const done = await outcome(wf);
    expect(done.status).toBe("SUCCESS");
    expect(done.output).toMatchObject({
      outcome: "changes_requested",
      reviewer: "ada@example.com",
      note: "Page 2 needs a source",
    });
  });

  it("delivers exactly once when the same link is answered twice at once, and refuses every later use", async () => {
    const wf = await waitingReview("once");
    const path = await linkFor(wf);
    const answers = await Promise.all(
      ["approve", "request_changes", "approve"].map((choice) =>
        request(path, { method: "POST", ...form({ choice }, json) }).then(async (r) => ({
          status: r.status,
          body: await r.json(),
        })),
      ),
    );
    const accepted = answers.filter((a) => a.status === 200);
    expect(accepted).toHaveLength(1);
    expect(answers.filter((a) => a.status === 410)).toHaveLength(2);
    for (const refused of answers.filter((a) => a.status === 410))
      expect(refused.body.detail).toMatch(/already used/);

    const done = await outcome(wf);
    const chosen = accepted[0]!.body.choice as string;
    expect(done.output.outcome).toBe(chosen === "approve" ? "approved" : "changes_requested");
    expect(await received(wf)).toHaveLength(1);

    // Later: the page says it was used (with when), whether the workflow has ended or not.
    const page = await request(path);
    expect(page.status).toBe(410);
    expect(await page.text()).toMatch(/role="alert".*This link was already used, on /s);
    const replay = await request(path, { method: "POST", ...form({ choice: chosen }) });
    expect(replay.status).toBe(410);
  });

  it("takes a JSON answer as a program sends it", async () => {
    const wf = await waitingReview("json");
    const path = await linkFor(wf, { topic: "review", choices: ["approve"] });
    const answered = await request(path, {
      method: "POST",
      headers: { ...json, "content-type": "application/json" },
      body: JSON.stringify({ choice: "approve" }),
    });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({
      workflow_id: wf,
      topic: "review",
      choice: "approve",
      message: "Answer sent to workflow",
    });
    expect((await outcome(wf)).output).toMatchObject({
      outcome: "approved",
      reviewer: "approval link",
    });
  });
});

describe("a link whose workflow can no longer decide", () => {
  it("says the decision is closed once the workflow has finished, and mints no new link", async () => {
    const wf = await waitingReview("finished");
    const unused = await linkFor(wf);
    const send = await request(`/send-message/${wf}?topic=review`, {
      method: "POST",
      headers: { ...authorized, "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", reviewer: "api" }),
    });
    expect(send.status).toBe(200);
    await outcome(wf);
    const page = await request(unused);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("This decision is closed");
    const answer = await request(unused, {
      method: "POST",
      ...form({ choice: "approve" }, json),
    });
    expect(answer.status).toBe(409);
    expect((await answer.json()).detail).toMatch(/has finished \(SUCCESS\).*Nothing was sent/);
    expect((await mint(wf)).status).toBe(409);
    expect(await received(wf)).toHaveLength(1);
  });

  it("says so for a cancelled workflow, and for one whose links were revoked", async () => {
    const cancelled = await waitingReview("cancelled");
    const link = await linkFor(cancelled);
    await request(`/workflows/${cancelled}/cancel`, { method: "POST", headers: authorized });
    const answer = await request(link, {
      method: "POST",
      ...form({ choice: "approve" }, json),
    });
    expect(answer.status).toBe(409);
    expect((await answer.json()).detail).toMatch(/cancelled/);

    const revoked = await waitingReview("revoked");
    const withdrawn = await linkFor(revoked);
    await request(`/workflows/${revoked}/tokens/revoke`, { method: "POST", headers: authorized });
    const refused = await request(withdrawn, { headers: json });
    expect(refused.status).toBe(410);
    expect((await refused.json()).detail).toMatch(/withdrawn/);
    expect(await received(revoked)).toEqual([]);
  });
});

describe("a link a workflow mints itself", () => {
  it("reaches the reviewer through REVIEW_NOTIFY_URL, starts with PUBLIC_API_URL, and decides the review", async () => {
    const wf = await waitingReview("from-workflow");
    const notice = await postedFor(wf).promise;
    expect(notice.url).toMatch(new RegExp(`^${PUBLIC_API_URL}/links/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    expect(notice.text).toBe(`Document review ${wf} waits for your decision: ${notice.url}`);
    // It lasts as long as the review waits (REVIEW_TIMEOUT_SECONDS, 120 by default).
    const lifetime = Date.parse(notice.expires_at!) - Date.now();
    expect(lifetime).toBeGreaterThan(100_000);
    expect(lifetime).toBeLessThanOrEqual(121_000);
    expect(await auditLog(wf)).toContainEqual(
      expect.objectContaining({ type: "link_sent", expires_at: notice.expires_at }),
    );

    // Signed by the worker, opened and answered at the API.
    const path = notice.url!.slice(PUBLIC_API_URL.length);
    expect((await request(path)).status).toBe(200);
    const answered = await request(path, { method: "POST", ...form({ choice: "approve" }) });
    expect(answered.status).toBe(200);
    expect((await outcome(wf)).output).toMatchObject({ outcome: "approved" });
  });

  it("records a link it could not post, and the review waits all the same", async () => {
    const wf = await waitingReview("notify-fails");
    const log = await auditLog(wf);
    expect(log).toContainEqual(
      expect.objectContaining({
        type: "link_not_sent",
        reason: expect.stringContaining("the notification URL answered 500"),
      }),
    );
    expect(JSON.stringify(log)).not.toContain("127.0.0.1");
    const path = await linkFor(wf);
    const answered = await request(path, { method: "POST", ...form({ choice: "approve" }) });
    expect(answered.status).toBe(200);
    expect((await outcome(wf)).output).toMatchObject({ outcome: "approved" });
  });
});

describe("a link opened before its workflow asks", () => {
  it("says the workflow is not asking yet, and its answer waits for the receive", async () => {
    const wf = id("notify-held");
    const start = await request(`/start-workflow-document-review/${wf}/1`, {
      method: "POST",
      headers: authorized,
    });
    expect(start.status).toBe(200);
    // The review is in its step posting the link (held by the receiver): not yet in its receive.
    await postedFor(wf).promise;
    const path = await linkFor(wf);
    const view = await request(path, { headers: json });
    expect(await view.json()).toMatchObject({ waiting: false });
    expect(await (await request(path)).text()).toContain(
      "The workflow is not asking yet: it gets your answer when it does.",
    );
    const answered = await request(path, { method: "POST", ...form({ choice: "approve" }) });
    expect(answered.status).toBe(200);
    postedFor(wf).release();
    expect((await outcome(wf)).output).toMatchObject({ outcome: "approved" });
  });
});
