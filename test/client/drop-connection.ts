import type { Transport } from "@wfc/client";

/**
 * Wraps a transport so that the first live (event-stream) response breaks off after
 * `afterValues` complete `value` events, as a dropped connection does. Records the
 * `Last-Event-ID` each live request carried.
 */
export function dropFirstLiveResponse(transport: Transport, afterValues: number) {
  const lastEventIds: (string | null)[] = [];
  const fetch: Transport["fetch"] = async (input, init) => {
    const request = new Request(input, init);
    const response = await transport.fetch(request);
    if (!(request.headers.get("accept") ?? "").includes("text/event-stream")) return response;
    lastEventIds.push(request.headers.get("last-event-id"));
    if (lastEventIds.length > 1 || !response.body) return response;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let text = "";
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          text += decoder.decode(value, { stream: true });
          // Complete blocks only: the text after the last blank line may still be arriving.
          const blocks = text.split("\n\n").slice(0, -1);
          const values = blocks.filter((block) => block.includes("event: value"));
          if (values.length < afterValues) continue;
          const cut = blocks.indexOf(values[afterValues - 1]!);
          controller.enqueue(encoder.encode(blocks.slice(0, cut + 1).join("\n\n") + "\n\n"));
          await reader.cancel();
          return controller.error(new TypeError("terminated: connection reset"));
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { transport: { ...transport, fetch }, lastEventIds };
}
