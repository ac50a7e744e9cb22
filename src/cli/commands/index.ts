// The list of CLI commands. Each module adds one subcommand to the program.
import type { RegisterCommand } from "../context.ts";
import { registerRun } from "./run.ts";

export const commands: RegisterCommand[] = [registerRun];
