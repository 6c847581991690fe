import { createWorkflowClient, type Transport, type WaitingFor } from "@wfc/client";
import { describe, expect, it } from "vitest";

// A feed announces no wait when it connects to a workflow that waits for nothing: a client that
// was told of a wait before a reconnect asks the workflow's status whether it still waits. The
// server is scripted here, to cut the feed exactly between a wait's start and its end.

const WAIT: WaitingFor = {
  topic: "notification",
  since: "2026-01-01T00:00:00.000Z",
  deadline: "2026-01-01T00:01:00.000Z",
};
const encoder = new TextEncoder();

/** An event-stream response of `text`, then a cut connection or a clean end. */
function feed(text: string, cut: boolean) {
  let sent = false;
  // Pulled: an error raised at once would discard the text still queued.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(encoder.encode(text));
      } else if (cut) controller.error(new TypeError("terminated: connection reset"));
      else controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

const waitingEvent = (w: WaitingFor | null) => `event: waiting_for\ndata: ${JSON.stringify(w)}\n\n`;
const change = 'id: 0\nevent: change\ndata: {"key":"state","value":"working"}\n\n';
const end = 'event: end\ndata: {"reason":"workflow_finished"}\n\n';

/** Live responses in turn; GET /workflows/{id} answers `status` with `waitingFor`. */
function scripted(live: Response[], waitingFor: WaitingFor | null) {
  const requests: string[] = [];
  const transport: Transport = {
    baseUrl: "http://api.test",
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const path = new URL(request.url).pathname;
      requests.push(path);
      if (path.endsWith("/live")) return live.shift()!;
      return Response.json({ workflow_id: "wf", status: "PENDING", waiting_for: waitingFor });
    },
  };
  return { transport, requests };
}

async function follow(transport: Transport) {
  const log: string[] = [];
  const onWaitingFor = (w: WaitingFor | null) => log.push(`waiting_for ${JSON.stringify(w)}`);
  const client = createWorkflowClient(transport);
  for await (const c of client.followEvents("wf", { onWaitingFor, retryDelayMs: 1 }))
    log.push(`change ${c.key}`);
  return log;
}

describe("followEvents' onWaitingFor across a reconnect", () => {
  it("hears that a wait ended while the feed was cut, before what followed", async () => {
    const { transport, requests } = scripted(
      [feed(waitingEvent(WAIT), true), feed(change + end, false)],
      null,
    );
    expect(await follow(transport)).toEqual([
      `waiting_for ${JSON.stringify(WAIT)}`,
      "waiting_for null",
      "change state",
    ]);
    expect(requests).toEqual([
      "/workflow-events/wf/all/live",
      "/workflow-events/wf/all/live",
      "/workflows/wf",
    ]);
  });

  it("hears a wait that goes on once, and asks nothing when none was announced", async () => {
    const waiting = scripted(
      [feed(waitingEvent(WAIT), true), feed(waitingEvent(WAIT) + end, false)],
      WAIT,
    );
    expect(await follow(waiting.transport)).toEqual([
      `waiting_for ${JSON.stringify(WAIT)}`,
      "waiting_for null",
    ]);
    const idle = scripted([feed(change, true), feed(end, false)], null);
    expect(await follow(idle.transport)).toEqual(["change state"]);
    expect(idle.requests.filter((path) => path.startsWith("/workflows/"))).toEqual([]);
  });
});
