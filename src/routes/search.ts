import { sql, type SQL } from "drizzle-orm";
import { db } from "../context";
import { websearchText } from "../domain/search-text";
import { readQuery } from "../middleware/params";
import { problems } from "../problem";
import { rateLimiter } from "../rate-limit";
import { clientIp, enforce } from "../rate-limit/limiter";
import { searchOperations as op } from "../contract/search";
import { ApiRoutes } from "./api-routes";

/** Typo tolerance: how close a word in the title must be to the query (pg_trgm word similarity). */
const WORD_SIMILARITY = 0.3;

type Hit = {
  event_id: string; title: string; description: string; venue: string; location: string; category: string; start_date: string;
  currency: string; min_price: number; max_price: number; available_seats: number | null; score: number;
};

/** Searches the read model the search consumer keeps: published events only, ranked. Public, so limited per IP. */
export const searchRoutes = new ApiRoutes("/api/search")
  .guard(async (c, next) => {
    await enforce(c, rateLimiter(c.env), "search", [`ip:${clientIp(c)}`]);
    await next();
  })
  .serve(op.search, async (c) => {
    const q = readQuery(c, op.search.request.query);
    if (q.min_price !== undefined && q.max_price !== undefined && q.min_price > q.max_price) {
      throw problems.validation([{ field: "max_price", message: "must not be below min_price" }]);
    }
    const where: SQL[] = [sql`status = 'published'`];
    if (q.category) where.push(sql`category = ${q.category}`);
    if (q.min_price !== undefined) where.push(sql`max_price >= ${q.min_price}`);
    if (q.max_price !== undefined) where.push(sql`min_price <= ${q.max_price}`);
    if (q.from) where.push(sql`start_date >= ${q.from}::timestamptz`);
    if (q.to) where.push(sql`start_date <= ${q.to}::timestamptz`);
    let score = sql`0`;
    if (q.q) {
      // Words (weighted title > description > venue), prefixes, and near-misses in the title.
      const tsq = sql`websearch_to_tsquery('simple', ${websearchText(q.q)})`;
      where.push(sql`(document @@ ${tsq} OR title ILIKE ${`${escapeLike(q.q)}%`} OR word_similarity(${q.q}, title) >= ${WORD_SIMILARITY})`);
      score = sql`(ts_rank(document, ${tsq}) * 4 + word_similarity(${q.q}, title) + CASE WHEN title ILIKE ${`${escapeLike(q.q)}%`} THEN 0.5 ELSE 0 END)`;
    }
    const rows = await db(c).execute<Hit>(sql`
      SELECT event_id, title, description, venue, location, category, start_date, currency, min_price, max_price,
        CASE WHEN total_seats IS NULL THEN NULL ELSE GREATEST(0, total_seats + seats_delta) END AS available_seats, ${score} AS score
      FROM search_events WHERE ${sql.join(where, sql` AND `)}
      ORDER BY score DESC, start_date ASC, event_id ASC
      LIMIT ${q.page_size} OFFSET ${(q.page - 1) * q.page_size}`);
    return c.json({
      results: rows.rows.map((r) => ({ ...r, start_date: new Date(r.start_date).toISOString(), min_price: Number(r.min_price), max_price: Number(r.max_price), score: Number(r.score) })),
      page: q.page, page_size: q.page_size,
    }, 200);
  })
  .serve(op.autocomplete, async (c) => {
    const q = readQuery(c, op.autocomplete.request.query);
    const rows = await db(c).execute<{ event_id: string; title: string }>(sql`
      SELECT event_id, title FROM search_events
      WHERE status = 'published' AND (title ILIKE ${`${escapeLike(q.q)}%`} OR title ILIKE ${`% ${escapeLike(q.q)}%`} OR word_similarity(${q.q}, title) >= ${WORD_SIMILARITY})
      ORDER BY (title ILIKE ${`${escapeLike(q.q)}%`}) DESC, word_similarity(${q.q}, title) DESC, start_date ASC
      LIMIT ${q.limit}`);
    return c.json({ suggestions: rows.rows }, 200);
  });

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
