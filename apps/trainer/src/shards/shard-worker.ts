import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { computeShard, experiments, type ShardJob, type ShardResult } from "@orrery/experiments";
import { selectBackend, type BackendPreference } from "../backend/select-backend.ts";
import { DONE, EXIT, GO, type ShardWorkerData } from "./shard-pool.ts";

// A shard thread (shard-pool.ts): a replica of the run's problem on the run's backend, computing one shard of each
// step's batch at the parameters and data state the trainer sends.
const { experiment, config, backend, flag, port } = workerData as ShardWorkerData;

try {
  const info = await selectBackend(backend as BackendPreference);
  if (info.name !== backend) throw new Error(`backend ${backend} did not load here (${info.reason})`);
  const exp = experiments[experiment];
  if (!exp) throw new Error(`no experiment ${experiment}`);
  const problem = exp.create(exp.resolveConfig(config as Record<string, never>));
  parentPort!.postMessage("ready");
  for (;;) {
    let state = Atomics.load(flag, 0);
    while (state !== GO && state !== EXIT) {
      Atomics.wait(flag, 0, state);
      state = Atomics.load(flag, 0);
    }
    if (state === EXIT) break;
    const job = receiveMessageOnPort(port)?.message as ShardJob;
    let reply: ShardResult | { error: string };
    try {
      reply = computeShard(problem, job);
    } catch (e) {
      reply = { error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply, "grads" in reply ? Object.values(reply.grads).map((g) => g.buffer as ArrayBuffer) : []);
    Atomics.store(flag, 0, DONE);
    Atomics.notify(flag, 0);
  }
  problem.dispose();
} catch (e) {
  parentPort!.postMessage({ failed: e instanceof Error ? e.message : String(e) });
}
