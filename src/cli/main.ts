// ttng command-line entry point: dispatches to one module per verb.
import { TraceError } from '../ctf/trace.js';
import { UsageError } from './usage.js';
import { VIEW_HELP, parseViewArgs, runView } from './view.js';
import { CONVERT_HELP, parseConvertArgs, runConvert } from './convert.js';

const HELP = `Usage: ttng COMMAND [OPTIONS]

Commands:
  view PATH...           Print the events of CTF traces (babeltrace2's text)
  convert IN... -o DIR   Rewrite traces as a new CTF trace
  help [COMMAND]         Show help

Run \`ttng COMMAND --help\` for the options of a command.
`;

function fail(msg: string, code = 1): never {
  process.stderr.write(`Error: ${msg}\n`);
  process.exit(code);
}

export function main(argv: string[]): void {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
      case 'help': {
        const sub = cmd === 'help' ? rest[0] : undefined;
        process.stdout.write(sub === 'view' ? VIEW_HELP : sub === 'convert' ? CONVERT_HELP : HELP);
        return;
      }
      case 'view': {
        const a = parseViewArgs(rest);
        if (a === 'help') {
          process.stdout.write(VIEW_HELP);
          return;
        }
        process.exitCode = runView(a);
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
      default:
        fail(`unknown command "${cmd}" (see \`ttng --help\`)`);
    }
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    if (e instanceof TraceError) fail(e.message);
    if (process.env['TTNG_DEBUG']) throw e;
    fail((e as Error).message ?? String(e));
  }
}
