import { relayToOwnGroup } from "./own-group.js";

// `npm start`: the stack (stack.ts), in a process group of its own so that it alone decides in
// which order its processes stop; this process only relays the signals it gets.
if (!relayToOwnGroup()) await import("./stack.js");
