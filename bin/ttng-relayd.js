#!/usr/bin/env node
// Thin launcher of the relay daemon (compiled to dist/ by `npm install`).
import { main } from '../dist/relayd/main.js';
main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
