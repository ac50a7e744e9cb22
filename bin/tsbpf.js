#!/usr/bin/env node
// The tsbpf CLI. Sources are TypeScript; tsx compiles them on the fly so that
// `npm ci` is the whole installation (no build step to forget).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
