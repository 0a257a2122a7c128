/**
 * The e2e suites' jobs file: real command jobs (sh and python3) made to show
 * every state the dashboard draws. Jobs whose timing a test must control wait
 * for "gate" files the test creates (`gates/<name>` beside the jobs file), so
 * no test depends on how fast this machine is.
 */

/** Scheduled jobs never fire during a suite (hourly at the earliest), so no run starts unasked. */
export const E2E_JOBS = `version: 1
jobs:
  - id: nightly-backup
    name: Nightly backup
    description: Copies the shop database to the NAS.
    tags: [backup]
    command: [sh, -c, 'echo backed up']
    schedule: { cron: "30 2 * * *" }

  - id: stock-sync
    name: Stock sync
    description: Pushes stock levels to the marketplaces.
    tags: [sync]
    command: [sh, -c, 'echo synced']
    schedule: { every: 1h }

  - id: import-orders
    name: Import orders
    description: Imports orders in batches and reports each one.
    tags: [sync, orders]
    command: [python3, scripts/progress.py, "{{batches}}"]
    params:
      batches: { type: integer, label: Batches, default: 3, min: 1, max: 10 }
      ratio: { type: number, label: Sample ratio, default: 0.5, min: 0, max: 1 }
      label: { type: string, label: Label, default: nightly, max: 20 }
      dry_run: { type: boolean, label: Dry run, default: false }
      mode: { type: enum, label: Mode, values: [quick, full], default: quick }
    timeout: 2m

  - id: flaky-api
    name: Flaky API
    description: Fails on attempts 1 and 2, succeeds on attempt 3.
    command: [sh, -c, 'if [ "$JOBTRAY_ATTEMPT" -lt 3 ]; then echo "attempt $JOBTRAY_ATTEMPT: HTTP 503" >&2; exit 1; fi; echo "attempt $JOBTRAY_ATTEMPT: ok"']
    retries: { max: 2, backoff: fixed, delay: 3s, jitter: false }

  - id: always-fails
    name: Always fails
    description: Cannot reach the shop API.
    command: [sh, -c, 'echo "cannot reach the shop API" >&2; exit 3']

  - id: long-export
    name: Long export
    description: A shell and its sleep; Cancel must stop both.
    command: [sh, -c, 'echo "shell $$"; sleep 300 & echo "sleep $!"; wait']

  - id: chatty
    name: Chatty
    description: Prints a line every 50 ms until told to stop.
    command: [python3, scripts/chatty.py]
    timeout: 2m

  - id: stock-report
    name: Stock report
    description: Writes a CSV and attaches it to the run.
    command: [sh, -c, 'mkdir -p out && printf "sku,stock\\nABC-001,42\\nABC-002,7\\n" > out/stock-$JOBTRAY_RUN_ID.csv && echo "::artifact stock.csv out/stock-$JOBTRAY_RUN_ID.csv"']
`;

/** What each card says its schedule is, in words. */
export const SCHEDULES_IN_WORDS: Record<string, string> = {
  'nightly-backup': 'At 02:30',
  'stock-sync': 'Every hour',
  'import-orders': 'Manual only',
  'flaky-api': 'Manual only',
  'always-fails': 'Manual only',
  'long-export': 'Manual only',
  chatty: 'Manual only',
  'stock-report': 'Manual only',
};

/** The CSV stock-report attaches. */
export const STOCK_CSV = 'sku,stock\nABC-001,42\nABC-002,7\n';

/** Line `i` of chatty's output. */
export const chattyLine = (i: number) => `chatty line ${i}: synced order ${1000 + i}`;

const WAIT_FOR_GATE = `
def wait_for_gate(name):
    path = os.path.join('gates', name)
    deadline = time.time() + 60
    while not os.path.exists(path):
        if time.time() > deadline:
            sys.exit(f'gate {name} was never opened')
        time.sleep(0.05)
`;

export const E2E_FILES: Record<string, string> = {
  // One step per batch; step i starts when gates/batch-<i> exists.
  'scripts/progress.py': `import os, sys, time
${WAIT_FOR_GATE}
batches = int(sys.argv[1])
for i in range(1, batches + 1):
    print(f"::progress {round(i * 100 / (batches + 1))} batch {i} of {batches}", flush=True)
    wait_for_gate(f"batch-{i}")
print("::progress 100 done", flush=True)
`,
  // Prints until gates/chatty-stop exists (at most 2,000 lines).
  'scripts/chatty.py': `import os, sys, time
i = 0
while not os.path.exists(os.path.join('gates', 'chatty-stop')) and i < 2000:
    i += 1
    print(f"chatty line {i}: synced order {1000 + i}", flush=True)
    time.sleep(0.05)
print("chatty: done", flush=True)
`,
  'gates/.keep': '',
};
