/** bing-create: generate images and videos through a running server, from a terminal or a script. */
import { Command, Option } from 'commander';
import { accounts, image, task, video, type Common, type Output } from './commands.js';
import { CliFailure } from './failure.js';

const program = new Command()
  .name('bing-create')
  .description('Generate images and videos with Bing Image Creator through a running server.')
  .addOption(new Option('-s, --server <url>', 'the server').env('BING_CREATE_SERVER').default('http://127.0.0.1:7860'))
  .addOption(new Option('-k, --api-key <key>', 'an API key of the server').env('BING_CREATE_API_KEY'))
  .option('--json', 'print one JSON object on stdout instead of lines', false)
  .showHelpAfterError();

function common(): Common {
  const options = program.opts<{ server: string; apiKey?: string; json: boolean }>();
  return { server: { url: options.server, apiKey: options.apiKey }, json: options.json };
}

async function run(work: (options: Common) => Promise<Output>): Promise<void> {
  const options = common();
  try {
    const output = await work(options);
    process.stdout.write(options.json ? `${JSON.stringify(output.json)}\n` : `${output.lines.join('\n')}\n`);
  } catch (error) {
    const failure =
      error instanceof CliFailure
        ? error
        : new CliFailure('SERVER', error instanceof Error ? error.message : String(error));
    if (options.json)
      process.stdout.write(`${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`);
    process.stderr.write(`${failure.code}: ${failure.message}\n`);
    process.exitCode = failure.status;
  }
}

program
  .command('image')
  .description('generate images and download them')
  .argument('<prompt>', 'what to draw')
  .addOption(new Option('-m, --model <model>', 'image model').choices(['dalle', 'gpt4o', 'mai1']).default('dalle'))
  .addOption(
    new Option('-a, --aspect <aspect>', 'aspect').choices(['square', 'landscape', 'portrait']).default('square'),
  )
  .option('-o, --out <dir>', 'where to save the images', '.')
  .action((prompt: string, options: { model: string; aspect: string; out: string }) =>
    run((common) => image(prompt, { ...common, ...options })),
  );

program
  .command('video')
  .description('generate a video, follow it live, and download it')
  .argument('<prompt>', 'what to film')
  .addOption(
    new Option('--mode <mode>', 'fast spends a fast creation; standard waits longer').choices(['fast', 'standard']),
  )
  .addOption(new Option('-a, --aspect <aspect>', 'aspect').choices(['portrait', 'landscape']).default('portrait'))
  .option('-o, --out <dir>', 'where to save the video', '.')
  .option('--timeout <seconds>', 'give up following after this long', (value) => Number.parseInt(value, 10), 4 * 3600)
  .action((prompt: string, options: { mode?: string; aspect: string; out: string; timeout: number }) =>
    run((common) => video(prompt, { ...common, ...options, timeoutSeconds: options.timeout })),
  );

program
  .command('task')
  .description('show a task (and download its results with --out)')
  .argument('<id>', 'the task id')
  .option('-o, --out <dir>', 'download the results here')
  .action((id: string, options: { out?: string }) => run((common) => task(id, { ...common, out: options.out })));

program
  .command('accounts')
  .description("show the server's Bing accounts (an admin key)")
  .action(() => run((common) => accounts(common)));

await program.parseAsync(process.argv);
