/**
 * CPU used by each process of the bench while a scenario runs, read from /proc (Linux): utime +
 * stime of every live process in a group's tree, plus the CPU of its children already reaped
 * (cutime + cstime), so a PostgreSQL backend that exits mid-run still counts. The whole machine's
 * busy time (/proc/stat) is read too: what is not ours is other work on the machine.
 */
import fs from "node:fs";
import os from "node:os";
import { round } from "../lib/bench-stats";

/** Clock ticks a second of /proc's times (USER_HZ): 100 on every Linux this runs on. */
const TICKS_PER_S = 100;

interface ProcStat { pid: number; ppid: number; comm: string; ticks: number }

/** A named set of processes: the tree under `root` (or `root` alone), optionally only those whose command matches. */
export interface ProcessGroup { name: string; root: number; tree: boolean; comm?: (comm: string) => boolean }

export interface CpuUsage {
  wall_s: number;
  cores: number;
  /** Per group: CPU seconds, % of one core, and (when requests are given) ms of CPU per request. */
  groups: Record<string, { cpu_s: number; core_pct: number; ms_per_request?: number }>;
  /** The whole machine's busy time, % of one core (100 × cores is every core busy). */
  machine_core_pct: number;
  /** The machine's busy time not used by any group: other work (other helpers, the OS). */
  other_core_pct: number;
}

function readProc(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // The command sits in parentheses and may itself hold spaces or parentheses: split after the last one.
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const f = text.slice(close + 2).split(" ");
    const n = (i: number) => Number(f[i] ?? 0);
    // Fields from state (3rd in proc(5)): ppid is the 4th, utime…cstime the 14th…17th.
    out.set(Number(name), { pid: Number(name), ppid: n(1), comm, ticks: n(11) + n(12) + n(13) + n(14) });
  }
  return out;
}

function machineBusyTicks(): number {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
  return total - (v[3] ?? 0) - (v[4] ?? 0); // minus idle and iowait
}

function groupTicks(procs: Map<number, ProcStat>, g: ProcessGroup): number {
  const members: ProcStat[] = [];
  const root = procs.get(g.root);
  if (root) members.push(root);
  if (g.tree && root) {
    const children = new Map<number, ProcStat[]>();
    for (const p of procs.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    for (let i = 0; i < members.length; i++) members.push(...(children.get(members[i]?.pid ?? -1) ?? []));
  }
  return members.filter((p) => !g.comm || g.comm(p.comm)).reduce((s, p) => s + p.ticks, 0);
}

export interface CpuMark { at: number; machine: number; groups: Map<string, number> }

export interface CpuMeter { mark(): CpuMark; since(mark: CpuMark, requests?: number): CpuUsage }

/** A meter over `groups`; groups are re-read at each mark, so processes forked meanwhile count. */
export function cpuMeter(groups: () => ProcessGroup[]): CpuMeter {
  const mark = (): CpuMark => {
    const procs = readProc();
    return { at: performance.now(), machine: machineBusyTicks(), groups: new Map(groups().map((g) => [g.name, groupTicks(procs, g)])) };
  };
  return {
    mark,
    since(start, requests) {
      const end = mark();
      const wall = (end.at - start.at) / 1000;
      const pct = (ticks: number) => round(wall > 0 ? (ticks / TICKS_PER_S / wall) * 100 : 0, 1);
      const out: CpuUsage["groups"] = {};
      let ours = 0;
      for (const [name, ticks] of end.groups) {
        // A process of the group that exited and was reaped outside it takes its time along: never below zero.
        const used = Math.max(0, ticks - (start.groups.get(name) ?? 0));
        ours += used;
        out[name] = {
          cpu_s: round(used / TICKS_PER_S, 2), core_pct: pct(used),
          ...(requests ? { ms_per_request: round(((used / TICKS_PER_S) * 1000) / requests, 3) } : {}),
        };
      }
      const machine = Math.max(0, end.machine - start.machine);
      return { wall_s: round(wall, 2), cores: os.cpus().length, groups: out, machine_core_pct: pct(machine), other_core_pct: pct(Math.max(0, machine - ours)) };
    },
  };
}

/** The postmaster's pid from its data directory (null when the server is not running). */
export function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(`${dataDir}/postmaster.pid`, "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

const isWorkerd = (comm: string) => comm === "workerd";

/**
 * The bench's processes: each Worker's workerd and its wrangler (Node) tree apart, PostgreSQL
 * (postmaster and backends), and this Node process alone (load generator and the WebSocket proxy).
 */
export function benchGroups(workers: Record<"app" | "baseline", { child: { pid?: number } }>, pgDataDir: string): () => ProcessGroup[] {
  return () => {
    const list: ProcessGroup[] = [{ name: "bench", root: process.pid, tree: false }];
    for (const [name, w] of Object.entries(workers)) {
      if (!w.child.pid) continue;
      list.push({ name: `${name}_workerd`, root: w.child.pid, tree: true, comm: isWorkerd });
      list.push({ name: `${name}_wrangler`, root: w.child.pid, tree: true, comm: (c) => !isWorkerd(c) });
    }
    const pg = postmasterPid(pgDataDir);
    if (pg) list.push({ name: "postgres", root: pg, tree: true });
    return list;
  };
}
