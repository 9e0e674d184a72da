import { z } from "zod";
import { buyerRefundClosesAt } from "../../src/domain/refund-window";
import { refuse, type Refusal, type SaleTerms } from "./contract";
import type { Meta } from "./meta";

const saleTermsSchema = z.object({ startsAt: z.string(), refundWindowHours: z.number(), rescheduledAt: z.string().nullable(), version: z.number() });

/**
 * The terms the room sells under, kept in its meta table: sales stop when the event starts, and
 * a booking shows until when its buyer may refund. Updates apply newest-version-wins.
 */
export class SaleTermsStore {
  /** The last terms read, by their stored text: read on every reservation, parsed once per change. */
  private parsed: { raw: string; terms: SaleTerms } | null = null;

  constructor(private readonly meta: Meta) {}

  current(): SaleTerms | null {
    const raw = this.meta.get("sale_terms");
    if (!raw) return null;
    if (this.parsed?.raw !== raw) this.parsed = { raw, terms: saleTermsSchema.parse(JSON.parse(raw)) };
    return this.parsed.terms;
  }

  /** Keeps `terms` unless the room already has newer ones; true if they are now the room's. */
  apply(terms: SaleTerms): boolean {
    const known = this.current();
    if (known && known.version > terms.version) return false;
    this.meta.set("sale_terms", JSON.stringify(terms));
    return true;
  }

  /** 409 `sales_closed` once the event has started. */
  closedRefusal(now: number): Refusal | null {
    const t = this.current();
    if (!t || now < Date.parse(t.startsAt)) return null;
    return refuse(409, "sales_closed", `Sales for this event closed when it started (${t.startsAt})`);
  }

  refundClosesAt(): string | null {
    const t = this.current();
    if (!t) return null;
    return buyerRefundClosesAt({ startDate: new Date(t.startsAt), refundWindowHours: t.refundWindowHours, rescheduledAt: t.rescheduledAt ? new Date(t.rescheduledAt) : null }).toISOString();
  }
}
