#!/usr/bin/env node
// The CLI is TypeScript run through tsx, like the daemon.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
