// Shows job params: the values come from the run form (or the CLI:
// `jobtray run demo-params --param count=5 --param mode=full`), already checked
// and converted to their declared types.
import { wait } from './lib/wait.mjs';

export default async function demoParams(ctx) {
  const { count, label, dry_run: dryRun, mode } = ctx.params;
  ctx.log.info(`count=${count} label=${JSON.stringify(label)} dry_run=${dryRun} mode=${mode}`);
  for (let i = 1; i <= count; i++) {
    ctx.progress((i / count) * 100, `Item ${i} of ${count}`);
    await wait(200, ctx.signal);
  }
  return { count, label, dry_run: dryRun, mode, types: { count: typeof count, dry_run: typeof dryRun } };
}
