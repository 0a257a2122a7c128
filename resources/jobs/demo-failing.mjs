// Always fails, with a message that says what went wrong and what to do: the
// way a real job should fail. Trigger it to see a failure notification and the
// error in the run's history.
export default async function demoFailing(ctx) {
  ctx.log.info('Checking the (pretend) export folder');
  throw new Error(
    'Export folder "/mnt/exports" is not mounted: mount the share or change the path in jobs.yaml (this demo job always fails)',
  );
}
