#!/usr/bin/env node
// Runs one program (the embedded FerretDB, a Go binary that cannot watch its parent) and ends it when
// whoever started this watchdog is gone: `node watchdog.mjs <program> [args…]`, spawned with an IPC
// channel. The channel closes when the parent exits in any way, kill -9 included; the program is then
// stopped (SIGTERM, SIGKILL after 5 s). Otherwise this process mirrors the program: signals are passed
// on, and it exits as the program exits (same code, same signal). Decision 0018.
// Plain Node, no dependencies: it runs before `npm install`.
import { spawn } from "node:child_process";

const [program, ...args] = process.argv.slice(2);
if (!program || typeof process.send !== "function") {
  console.error("watchdog.mjs: start it with an IPC channel and a program to run");
  process.exit(2);
}

const child = spawn(program, args, { stdio: ["ignore", "ignore", "inherit"] });
child.once("spawn", () => process.send?.({ pid: child.pid }));
child.once("error", (error) => {
  console.error(`watchdog.mjs: ${program}: ${error.message}`);
  process.exit(127);
});

let stopping = false;
function stop(reason) {
  if (stopping) return;
  stopping = true;
  if (reason) console.error(`watchdog.mjs: ${reason}; stopping ${program} (pid ${child.pid})`);
  child.kill("SIGTERM");
  setTimeout(() => child.kill("SIGKILL"), 5000).unref();
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => stop());
process.on("disconnect", () => stop("the process that started the database is gone"));

child.once("exit", (code, signal) => {
  process.removeAllListeners("disconnect");
  if (signal) {
    // Ends this process by the same signal, so the parent sees what happened to the program.
    for (const s of ["SIGTERM", "SIGINT", "SIGHUP"]) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(1), 1000);
    return;
  }
  process.exit(code ?? 1);
});
