#!/usr/bin/env -S node --max-semi-space-size=4
// vm-telemetry-exporter's entry point: V8's settings first, then the command (main.ts).
//
// No TurboFan (V8's --max-opt=1): the exporter's code runs in V8's interpreter and as
// Sparkplug's baseline code. Compiling with TurboFan even once brings ~3.7 MiB of node's
// own machine code and its compile zones into resident memory for the life of the
// process: on two guests 50.3-50.7 instead of 54-55 MiB of peak RSS (Telegraf: 26.4-27),
// for no CPU gained there; 500 test-driver VMs take ~1.6x the CPU, 2.0-2.1 % of a core
// (exporter/bench/README.md). Set here, not as node's --max-opt=1, so that every way the
// exporter starts gets it (NODE_OPTIONS refuses the flag; Node 20's single executable
// takes node options from NODE_OPTIONS only), and before main.ts is imported: resolving
// its modules runs node's loader often enough for TurboFan to compile parts of it.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--max-opt=1');
void import('./main.js');
