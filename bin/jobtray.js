#!/usr/bin/env node
// The `jobtray` command: runs the compiled CLI (npm run build) and exits with its code.
import { main } from '../dist/main/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
