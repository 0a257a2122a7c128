import { describe, expect, it } from 'vitest';
import { JobtrayError } from '../../contract/errors.js';
import type { JobDefinition, ParamSpec } from '../../contract/model.js';
import { paramEnv, placeholderNames, renderArgv, resolveParams } from '../../main/engine/params.js';
import { jobDefinition } from '../helpers/fixtures.js';

function jobWith(params: Record<string, ParamSpec>): JobDefinition {
  return jobDefinition({ id: 'sync-orders', name: 'Sync orders', command: ['python3', 'sync.py'], params });
}

const job = jobWith({
  days_back: { type: 'integer', default: 7, min: 1, max: 90, required: false },
  ratio: { type: 'number', min: 0, max: 1, required: false },
  market: { type: 'string', min: 2, max: 10, required: true },
  dry_run: { type: 'boolean', default: false, required: false },
  mode: { type: 'enum', values: ['fast', 'full', '2'], default: 'fast', required: false },
});

/** The problems of a rejected input. */
function problemsOf(input: Record<string, unknown> | undefined, target: JobDefinition = job): string[] {
  try {
    resolveParams(target, input);
  } catch (error) {
    expect(error).toBeInstanceOf(JobtrayError);
    const typed = error as JobtrayError;
    expect(typed.code).toBe('invalid_params');
    const { problems } = typed.details as { problems: string[] };
    for (const problem of problems) expect(typed.message).toContain(problem);
    expect(typed.message).toContain(`job "${target.id}"`);
    return problems;
  }
  throw new Error('expected resolveParams to throw');
}

describe('resolveParams', () => {
  it('fills defaults for absent params and leaves out optional ones without a default', () => {
    expect(resolveParams(job, { market: 'de' })).toEqual({ days_back: 7, market: 'de', dry_run: false, mode: 'fast' });
  });

  it('coerces strings from forms and the CLI', () => {
    expect(resolveParams(job, { days_back: ' 3 ', ratio: '0.25', market: 'fr', dry_run: 'yes', mode: 'full' })).toEqual(
      {
        days_back: 3,
        ratio: 0.25,
        market: 'fr',
        dry_run: true,
        mode: 'full',
      },
    );
    for (const [text, value] of [
      ['true', true],
      ['1', true],
      ['YES', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ] as const) {
      expect(resolveParams(job, { market: 'de', dry_run: text }).dry_run).toBe(value);
    }
    // Numbers given to string and enum params (JSON clients) become strings.
    expect(resolveParams(job, { market: 12, mode: 2 })).toMatchObject({ market: '12', mode: '2' });
  });

  it('treats null and an empty form field of a non-string param as absent', () => {
    expect(resolveParams(job, { market: 'de', days_back: '', dry_run: null })).toMatchObject({
      days_back: 7,
      dry_run: false,
    });
  });

  it('accepts undefined input when nothing is required', () => {
    expect(resolveParams(jobWith({ n: { type: 'integer', default: 1, required: false } }), undefined)).toEqual({
      n: 1,
    });
    expect(resolveParams(jobWith({}), undefined)).toEqual({});
  });

  it('reports an unknown param with the known ones', () => {
    expect(problemsOf({ market: 'de', days: 3 })).toEqual([
      'unknown param "days" (known params: days_back, ratio, market, dry_run, mode)',
    ]);
    expect(problemsOf({ x: 1 }, jobWith({}))).toEqual(['unknown param "x" (this job takes no params)']);
  });

  it('reports a missing required param', () => {
    expect(problemsOf({})).toEqual(['param "market" is required (string)']);
  });

  it('reports wrong types with the expected type and the given value', () => {
    expect(problemsOf({ market: 'de', days_back: 'three' })).toEqual([
      'param "days_back": expected an integer, got "three"',
    ]);
    expect(problemsOf({ market: 'de', days_back: 2.5 })).toEqual(['param "days_back": expected an integer, got 2.5']);
    expect(problemsOf({ market: 'de', ratio: '0x1' })).toEqual(['param "ratio": expected a number, got "0x1"']);
    expect(problemsOf({ market: 'de', dry_run: 'maybe' })).toEqual([
      'param "dry_run": expected true or false (or yes/no, 1/0), got "maybe"',
    ]);
    expect(problemsOf({ market: ['de'] })).toEqual(['param "market": expected a string, got ["de"]']);
  });

  it('reports out-of-bounds values and string lengths', () => {
    expect(problemsOf({ market: 'de', days_back: 0 })).toEqual(['param "days_back": must be at least 1, got 0']);
    expect(problemsOf({ market: 'de', days_back: '91' })).toEqual(['param "days_back": must be at most 90, got 91']);
    expect(problemsOf({ market: 'd' })).toEqual(['param "market": must be at least 2 characters long, got "d"']);
  });

  it('reports a value outside the enum values', () => {
    expect(problemsOf({ market: 'de', mode: 'slow' })).toEqual([
      'param "mode": must be one of "fast", "full", "2", got "slow"',
    ]);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ days_back: 500, ratio: 'lots', dry_run: 'perhaps', mode: 'slow', extra: true })).toEqual([
      'unknown param "extra" (known params: days_back, ratio, market, dry_run, mode)',
      'param "days_back": must be at most 90, got 500',
      'param "ratio": expected a number, got "lots"',
      'param "market" is required (string)',
      'param "dry_run": expected true or false (or yes/no, 1/0), got "perhaps"',
      'param "mode": must be one of "fast", "full", "2", got "slow"',
    ]);
  });
});

describe('renderArgv', () => {
  it('fills placeholders, with whitespace inside the braces, and empties those without a value', () => {
    expect(
      renderArgv(
        [
          'python3',
          'sync.py',
          '--days',
          '{{days_back}}',
          '--mode={{ mode }}',
          '{{missing}}',
          '{{dry_run}}{{days_back}}',
        ],
        {
          days_back: 3,
          mode: 'full',
          dry_run: false,
        },
      ),
    ).toEqual(['python3', 'sync.py', '--days', '3', '--mode=full', '', 'false3']);
  });

  it('leaves text that is not a placeholder alone and does not re-expand values', () => {
    expect(renderArgv(['{{ not a name }}', '{days}', '{{a}}'], { a: '{{b}}', b: 'x' })).toEqual([
      '{{ not a name }}',
      '{days}',
      '{{b}}',
    ]);
  });

  it('lists placeholder names', () => {
    expect(placeholderNames('--from={{ start }}..{{end}}')).toEqual(['start', 'end']);
    expect(placeholderNames('plain')).toEqual([]);
  });
});

describe('paramEnv', () => {
  it('names variables JOBTRAY_PARAM_<NAME>, upper-cased and sanitised', () => {
    expect(paramEnv({ days_back: 3, dryRun: true, mode: 'full' })).toEqual({
      JOBTRAY_PARAM_DAYS_BACK: '3',
      JOBTRAY_PARAM_DRYRUN: 'true',
      JOBTRAY_PARAM_MODE: 'full',
    });
    expect(paramEnv({ 'odd-name.x': 1 })).toEqual({ JOBTRAY_PARAM_ODD_NAME_X: '1' });
  });
});
