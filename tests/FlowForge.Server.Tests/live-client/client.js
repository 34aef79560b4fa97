// A FlowForge live-progress client for tests: the real @microsoft/signalr JavaScript client under Node.
//
//   node client.js <hubUrl> <apiKey|-> [initialCommandsJson]
//
// Connects over WebSockets (after negotiation), runs the initial commands, then reads more commands
// from stdin, one JSON object a line: {"id": 1, "invoke": "Subscribe", "args": ["wf_x"]} or {"stop": true}.
// Writes one JSON object a line to stdout:
//   {"type":"connected"} | {"type":"connectError","message","statusCode"}
//   {"type":"result","id","ok":true} | {"type":"result","id","ok":false,"error"}
//   {"type":"event","name","data","receivedAt"}   (receivedAt: ms since the epoch)
//   {"type":"closed","error"}
"use strict";
const signalR = require("@microsoft/signalr");
const readline = require("readline");

const [url, key, initial] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const names = ["execution:started", "execution:step", "execution:waiting", "execution:completed", "execution:failed", "execution:resync"];

async function run(connection, command) {
  if (command.stop) {
    await connection.stop();
    return;
  }
  try {
    await connection.invoke(command.invoke, ...(command.args || []));
    out({ type: "result", id: command.id, ok: true });
  } catch (e) {
    out({ type: "result", id: command.id, ok: false, error: String(e && e.message ? e.message : e) });
  }
}

async function main() {
  const options = { transport: signalR.HttpTransportType.WebSockets };
  if (key && key !== "-") options.accessTokenFactory = () => key;
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(url, options)
    .configureLogging(signalR.LogLevel.None)
    .build();
  for (const name of names) {
    connection.on(name, (data) => out({ type: "event", name, data, receivedAt: Date.now() }));
  }
  connection.onclose((e) => {
    out({ type: "closed", error: e ? String(e.message || e) : null });
    process.exit(0);
  });
  try {
    await connection.start();
  } catch (e) {
    const message = String(e && e.message ? e.message : e);
    // A refused negotiation is reported inside the message ("... Status code '401'").
    const match = /Status code '(\d+)'/.exec(message);
    out({ type: "connectError", message, statusCode: e && e.statusCode ? e.statusCode : match ? Number(match[1]) : null });
    process.exit(2);
  }
  out({ type: "connected" });

  // Commands run one after another, in the order given.
  let chain = Promise.resolve();
  const enqueue = (command) => { chain = chain.then(() => run(connection, command)); };
  if (initial) for (const command of JSON.parse(initial)) enqueue(command);
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => { if (line.trim()) enqueue(JSON.parse(line)); });
  rl.on("close", () => { chain.then(() => connection.stop()); });
}

main();
