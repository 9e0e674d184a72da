/**
 * An event's waiting line spread over K queue shards (durable-objects/queue-shard): each shard
 * holds the places of the accounts hashed to it, in its own order (`seq`, 1, 2, 3, … per shard);
 * the EventRoom admits from all of them on its tick. Pure rules, with randomness as an input.
 */

/** Which of `shards` holds an account's place: FNV-1a over the account id, so the same account always lands on the same shard for a given K. */
export function shardOf(userId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % Math.max(1, shards);
}

/** A place at the front of one shard's line, as the shard hands it to the room. */
export interface LineHead {
  userId: string;
  /** The place in its shard (1, 2, 3, …). */
  seq: number;
  joinedAt: number;
  /** Arrived before the on-sale time (placed by the shard's shuffle at opening). */
  presale: boolean;
}

/** One shard's line past the room's watermark for it. */
export interface ShardLine {
  /** Places waiting past the watermark. */
  waiting: number;
  /** Accounts that ever joined this shard. */
  joined: number;
  /** Pre-sale arrivals still waiting past the watermark (they come first in the shard's order). */
  presaleLeft: number;
  /** The first waiting places, in the shard's order. */
  heads: LineHead[];
}

/**
 * The next `n` admissions from K shards, in the order they go in. Pre-sale arrivals first: each
 * next one is drawn from a shard with probability proportional to the pre-sale arrivals it still
 * has, which interleaves the shards' shuffled lines into one uniformly random order (every
 * interleaving of the shards' sequences is equally likely, and each shard's sequence is a uniform
 * shuffle, so every order of all pre-sale arrivals is). Then later arrivals in the order they
 * joined (first come, first served across shards; ties by shard, then place).
 */
export function mergeAdmissions(lines: readonly Pick<ShardLine, "waiting" | "presaleLeft" | "heads">[], n: number, random: () => number): { shard: number; head: LineHead }[] {
  const next = lines.map(() => 0);
  const presaleLeft = lines.map((l) => l.presaleLeft);
  const out: { shard: number; head: LineHead }[] = [];
  const headOf = (s: number): LineHead | undefined => lines[s]!.heads[next[s]!];
  // A shard whose pulled front ran out while it has more waiting: its next place is unknown, so
  // the merge stops rather than guess (the rest goes in on the next tick).
  const unknown = (s: number) => next[s]! >= lines[s]!.heads.length && next[s]! < lines[s]!.waiting;
  while (out.length < n) {
    let shard = -1;
    const presaleTotal = presaleLeft.reduce((a, b) => a + b, 0);
    if (presaleTotal > 0) {
      let draw = Math.floor(random() * presaleTotal);
      for (let s = 0; s < lines.length; s++) {
        draw -= presaleLeft[s]!;
        if (draw < 0) { shard = s; break; }
      }
      if (shard < 0 || !headOf(shard)?.presale) break;
    } else {
      if (lines.some((_, s) => unknown(s))) break;
      for (let s = 0; s < lines.length; s++) {
        const h = headOf(s);
        const best = shard >= 0 ? headOf(shard) : undefined;
        if (h && (!best || h.joinedAt < best.joinedAt)) shard = s;
      }
    }
    const head = shard >= 0 ? headOf(shard) : undefined;
    if (!head) break;
    out.push({ shard, head });
    next[shard]!++;
    if (head.presale) presaleLeft[shard] = Math.max(0, presaleLeft[shard]! - 1);
  }
  return out;
}

/** What the edge knows of each shard from the room's last tick. */
export interface ShardMark {
  /** Every place of this shard up to this one has been admitted. */
  through: number;
  /** Places waiting in this shard after the room's last tick. */
  waiting: number;
}

/**
 * An estimate of a place's position in the whole line, for display: the room's admissions so far,
 * plus the places ahead in its own shard scaled by how much of the line that shard holds (shards
 * are admitted in arrival order, so the others advance alongside). Never before the next place in.
 */
export function estimatedPosition(admittedThrough: number, shards: readonly ShardMark[], shard: number, seq: number): number {
  const mine = shards[shard];
  if (!mine) return admittedThrough + 1;
  const total = shards.reduce((a, s) => a + s.waiting, 0);
  const scale = mine.waiting > 0 && total > 0 ? total / mine.waiting : shards.length;
  return admittedThrough + 1 + Math.max(0, Math.round((seq - mine.through - 1) * scale));
}
