// ttng command-line entry point: dispatches to one module per verb.
import * as fs from 'node:fs';
import { TraceError } from '../ctf/trace.js';
import { CtlError } from '../ctl/protocol.js';
import { UsageError } from './usage.js';
import { VIEW_HELP, parseViewArgs, runView, runViewCommand } from './view.js';
import { CONVERT_HELP, parseConvertArgs, runConvert } from './convert.js';
import { ANALYZE_HELP, runAnalyze } from './analyze.js';
import type { Verb } from './session-common.js';
import { createVerb } from './create.js';
import { destroyVerb } from './destroy.js';
import { startVerb } from './start.js';
import { stopVerb } from './stop.js';
import { listVerb } from './list.js';
import { statusVerb } from './status.js';
import { setSessionVerb } from './set-session.js';
import { enableChannelVerb } from './enable-channel.js';
import { enableEventVerb } from './enable-event.js';
import { disableEventVerb } from './disable-event.js';
import { addContextVerb } from './add-context.js';
import { saveVerb } from './save.js';
import { loadVerb } from './load.js';
import { versionVerb } from './version.js';
import { snapshotVerb } from './snapshot.js';
import { rotateVerb } from './rotate.js';
import { enableRotationVerb } from './enable-rotation.js';
import { disableRotationVerb } from './disable-rotation.js';
import { clearVerb } from './clear.js';
import { coredumpHandlerVerb } from './coredump-handler.js';

const VERBS: Verb[] = [
  createVerb,
  destroyVerb,
  startVerb,
  stopVerb,
  listVerb,
  statusVerb,
  setSessionVerb,
  enableChannelVerb,
  enableEventVerb,
  disableEventVerb,
  addContextVerb,
  saveVerb,
  loadVerb,
  versionVerb,
  snapshotVerb,
  rotateVerb,
  enableRotationVerb,
  disableRotationVerb,
  clearVerb,
  coredumpHandlerVerb,
];

const HELP = `Usage: ttng COMMAND [OPTIONS]

Recording sessions (through the session daemon, ttng-sessiond):
${VERBS.map((v) => `  ${v.name.padEnd(22)} ${v.summary}`).join('\n')}

Traces:
  view [SESSION | PATH...] Print the events of a session's trace or of CTF
                         traces (babeltrace2's text)
  convert IN... -o DIR   Rewrite traces as a new CTF trace
  analyze COMMAND TRACE  Reports of lttng-analyses (cputop, syscallstats…)
  help [COMMAND]         Show help

Run \`ttng COMMAND --help\` for the options of a command.
`;

function fail(msg: string, code = 1): never {
  process.stderr.write(`Error: ${msg}\n`);
  process.exit(code);
}

function reportAsync(p: Promise<number>): void {
  p.then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof UsageError || e instanceof CtlError || e instanceof TraceError) fail(e.message);
      if (process.env['TTNG_DEBUG']) throw e;
      fail((e as Error)?.message ?? String(e));
    },
  );
}

export function main(argv: string[]): void {
  // `ttng … | head`: a closed pipe ends the output, not with a stack trace
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
      case 'help': {
        const sub = cmd === 'help' ? rest[0] : undefined;
        const verb = VERBS.find((v) => v.name === sub);
        if (sub !== undefined && !verb && sub !== 'view' && sub !== 'convert' && sub !== 'analyze') fail(`unknown command "${sub}" (see \`ttng --help\`)`);
        process.stdout.write(verb ? verb.help : sub === 'view' ? VIEW_HELP : sub === 'convert' ? CONVERT_HELP : sub === 'analyze' ? ANALYZE_HELP : HELP);
        return;
      }
      case '-V':
      case '--version':
        reportAsync(versionVerb.run([]));
        return;
      case 'view': {
        const a = parseViewArgs(rest);
        if (a === 'help') {
          process.stdout.write(VIEW_HELP);
          return;
        }
        if (a.tracePath === undefined && a.viewer === undefined && (a.paths.length > 1 || (a.paths.length === 1 && fs.existsSync(a.paths[0]!)))) {
          // traces named by path: the synchronous path, as before sessions existed
          process.exitCode = runView(a);
          return;
        }
        reportAsync(runViewCommand(a));
        return;
      }
      case 'convert': {
        const a = parseConvertArgs(rest);
        if (a === 'help') {
          process.stdout.write(CONVERT_HELP);
          return;
        }
        process.exitCode = runConvert(a);
        return;
      }
      case 'analyze':
        process.exitCode = runAnalyze(rest);
        return;
      default: {
        const verb = VERBS.find((v) => v.name === cmd);
        if (!verb) fail(`unknown command "${cmd}" (see \`ttng --help\`)`);
        reportAsync(verb.run(rest));
      }
    }
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    if (e instanceof TraceError) fail(e.message);
    if (process.env['TTNG_DEBUG']) throw e;
    fail((e as Error).message ?? String(e));
  }
}
