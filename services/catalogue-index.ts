/**
 * The catalogue's in-memory index, one per server instance (decision 0012). Search, filters, sorts,
 * the exact count and paging of public programmes are answered from memory; the database is asked
 * only for the version document (one read by `_id` per request) and, when it moved, for the
 * programmes that changed (one read by `_id` each) — or for everything, at start or when an instance
 * is too far behind to catch up.
 *
 * Writers call markProgrammesChanged after changing a programme's public fields (services/programmes.ts,
 * services/institutions.ts, and the money path after every gift). Instances keep no state that another
 * instance lacks: any of them may be restarted, and all of them agree once they have read the version.
 *
 * Text search is MiniSearch: diacritics folded (đ → d) in processTerm, every word must match (AND),
 * each word as a prefix, and words of 5 letters or more also with one typo. Results come in tiers —
 * all words in the title, then (at worst) in the institution's name, the province, the summary; a
 * word found only through a typo puts the programme after every exact one — and within a tier in the
 * order the visitor chose (newest, closing soon, most needed).
 */
import MiniSearch, { type SearchResult } from "minisearch";
import mongoose, { type Types } from "mongoose";
import {
  advanceCatalogueHead,
  claimCatalogueChange,
  countApprovedInstitutions,
  forgetCatalogueChange,
  programmeIdsOfInstitution,
  readAllIndexedProgrammes,
  readCatalogueChange,
  readCatalogueHead,
  readIndexedProgramme,
  type IndexedProgrammeRow,
  type ProgrammeCardRow,
  type PublicProgrammeState,
} from "#models/catalogue.server";
import { allInTurn, asIdleWork, hurryIdleWork } from "#models/one-writer";
import { copyReceivedTotal } from "#models/programme.server";
import { provinceName } from "#models/reference/provinces";
import { oneAtATime } from "./one-at-a-time";

// ——— The version protocol ———

/** How many recent changes are kept; an instance further behind rebuilds. */
export const CHANGE_RING_SIZE = 128;
/** A change of more programmes than this is recorded as "rebuild everything" (keeps change documents small). */
export const MAX_IDS_PER_CHANGE = 25;

/** The newest version this process claimed: a better start than a head hint that lost a race. */
let lastClaimed = 0;

async function recordChange(ids: Types.ObjectId[] | null, institutions: boolean): Promise<number> {
  const head = await readCatalogueHead();
  const version = await claimCatalogueChange(Math.max(head, lastClaimed), { ids, institutions });
  lastClaimed = Math.max(lastClaimed, version);
  await advanceCatalogueHead(version);
  await forgetCatalogueChange(version - CHANGE_RING_SIZE);
  return version;
}

/**
 * Tells every instance's index that these programmes changed (created, edited, published, closed,
 * their totals moved, their institution's copies rewritten). Call it after the programme is written.
 * Writes by `_id` only: the change document (the atomic claim of the next version, with the ids), the
 * head's hint, and the deletion of the change that left the ring. More than MAX_IDS_PER_CHANGE ids
 * become one "rebuild" change.
 */
export async function markProgrammesChanged(programmeIds: Array<string | Types.ObjectId>, options: { institutions?: boolean } = {}): Promise<void> {
  const ids = [...new Set(programmeIds.map(String))];
  if (ids.length === 0 && !options.institutions) return;
  await recordChange(ids.length > MAX_IDS_PER_CHANGE ? null : ids.map((id) => new mongoose.Types.ObjectId(id)), Boolean(options.institutions));
}

/** How long a programme's new totals may wait before they are copied and marked, so that a run of gifts costs one of each. */
export const TOTALS_MARK_DELAY_MS = 200;
let pendingTotals = new Set<string>();
let pendingFlush: Promise<void> | null = null;

/**
 * A programme's books moved (a gift, a refund): its copy of the received total and its catalogue entry
 * follow, off the gift's path (decision 0015). The ids wait up to TOTALS_MARK_DELAY_MS, then each
 * programme's copy is brought up to its books (copyReceivedTotal: two reads and a write by `_id`) and
 * those that moved go out as one change. Call it after the total was written. This instance flushes
 * them before it answers from its catalogue (currentCatalogueIndex) or lists a manager's programmes, so
 * what it just recorded always shows; the programme page reads the total from the books themselves;
 * other instances see it a moment later; a copy a stopped process never made is made by the sweeper.
 */
export function markProgrammeTotalsChanged(programmeIds: Array<string | Types.ObjectId>): void {
  for (const id of programmeIds) pendingTotals.add(String(id));
  pendingFlush ??= new Promise<void>((resolve) => setTimeout(resolve, TOTALS_MARK_DELAY_MS)).then(() => asIdleWork(copyAndMarkPending));
}

/** Forgets the totals waiting to be copied and marked, as a process that stops does (tests of the sweeper). */
export function forgetPendingProgrammeTotals(): void {
  pendingTotals = new Set();
}

/**
 * Copies and marks the programmes whose totals moved and are not marked yet, one flush at a time in this
 * process (an older total is never copied after a newer one). After the delay it runs as idle work: its
 * writes wait for a quiet moment of the writer (decision 0033).
 */
function copyAndMarkPending(): Promise<void> {
  const run = async () => {
    if (pendingTotals.size === 0) return;
    const ids = [...pendingTotals];
    pendingTotals = new Set();
    pendingFlush = null;
    try {
      const copied = await allInTurn(ids.map((id) => () => copyReceivedTotal(id)));
      await markProgrammesChanged(ids.filter((_, i) => copied[i]));
    } catch (error) {
      // The connection closed meanwhile (a script or test ending): the ids stay pending for the next flush.
      for (const id of ids) pendingTotals.add(id);
      console.warn(`catalogue: could not copy and mark ${ids.length} programme total(s): ${(error as Error).message}`);
    }
  };
  return oneAtATime("catalogue:copy-totals", run);
}

/** Copies and marks the programmes whose totals moved, now (not after the delay), hurrying a flush already under way. */
export function flushProgrammeTotals(): Promise<void> {
  return hurryIdleWork(copyAndMarkPending);
}

/** Tells every instance to rebuild its index from a full read (bulk imports, repairs, data written around the services). */
export async function markCatalogueRebuild(): Promise<void> {
  await recordChange(null, true);
}

/**
 * An institution's approval, name or slug changed and was copied onto its programmes
 * (syncInstitutionCopies): marks those programmes — found by one filtered read, rare — and the
 * count of approved institutions on the home page.
 */
export async function markInstitutionChanged(institutionId: string | Types.ObjectId): Promise<void> {
  const ids = await programmeIdsOfInstitution(institutionId, MAX_IDS_PER_CHANGE + 1);
  if (ids.length > MAX_IDS_PER_CHANGE) {
    await markCatalogueRebuild();
    return;
  }
  await markProgrammesChanged(ids, { institutions: true });
}

// ——— Text ———

const FIELDS = ["title", "institutionName", "provinceName", "summary"] as const;
type Field = (typeof FIELDS)[number];
/** Ranking by field: a word found in the title counts most, then the institution, the province, the summary. */
const FIELD_RANK: Record<Field, number> = { title: 0, institutionName: 1, provinceName: 2, summary: 3 };
const BOOST: Record<Field, number> = { title: 8, institutionName: 4, provinceName: 2, summary: 1 };
/** At most this many words of a search are used (as before: CATALOGUE_MAX_WORDS). */
const MAX_QUERY_TERMS = 8;
/** Words this long or longer also match with one typo (shorter Vietnamese syllables are too alike: "vien" ~ "dien"). */
export const FUZZY_MIN_LENGTH = 5;

/** Lower-case, without diacritics (đ → d): "Thư Viện" → "thu vien". */
export function foldTerm(term: string): string {
  return term.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}

/** Words are runs of letters, digits and combining marks: "C++ (cơ bản)" → "C", "cơ", "bản". */
function tokenize(text: string): string[] {
  return text.split(/[^\p{L}\p{N}\p{M}]+/u).filter(Boolean);
}

function processTerm(term: string): string | null {
  const folded = foldTerm(term);
  return folded.length > 0 ? folded : null;
}

/** The words of a search as the index matches them (folded, at most MAX_QUERY_TERMS). */
export function queryTerms(q: string): string[] {
  return tokenize(q.normalize("NFC"))
    .map(processTerm)
    .filter((t): t is string => Boolean(t))
    .slice(0, MAX_QUERY_TERMS);
}

/** Edit distance at most 1 (one letter inserted, removed or replaced). */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  const [s, t] = a.length <= b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < s.length && s[i] === t[i]) i += 1;
  return s.length === t.length ? s.slice(i + 1) === t.slice(i + 1) : s.slice(i) === t.slice(i + 1);
}

/**
 * A search result's tier: 0–3 by the weakest field the words needed (title … summary), plus 4 when
 * some word was found only through a typo. Lower comes first.
 */
function tierOf(result: SearchResult, terms: string[]): number {
  let worstField = 0;
  let typo = false;
  for (const word of terms) {
    let exact = Infinity;
    let fuzzy = Infinity;
    for (const docTerm in result.match) {
      let rank = 3;
      for (const f of result.match[docTerm]!) rank = Math.min(rank, FIELD_RANK[f as Field] ?? 3);
      if (docTerm.startsWith(word)) exact = Math.min(exact, rank);
      else if (word.length >= FUZZY_MIN_LENGTH && withinOneEdit(docTerm, word)) fuzzy = Math.min(fuzzy, rank);
    }
    if (exact === Infinity) typo = true;
    worstField = Math.max(worstField, exact !== Infinity ? exact : fuzzy === Infinity ? 3 : fuzzy);
  }
  return worstField + (typo ? 4 : 0);
}

// ——— Queries ———

export type ProgrammeSort = "newest" | "ending-first" | "ending-last" | "most-needed";

export type IndexCriteria = {
  /** 00:00 today in Asia/Ho_Chi_Minh: an "open" programme whose end date is before it is listed as closed. */
  today: Date;
  /** The search as typed; empty or absent = no text condition. Text without any word matches nothing. */
  q?: string;
  provinceSlug?: string;
  institutionType?: string;
  theme?: string;
  campaignDay?: string;
  /** "all" = open or closed (never draft). */
  state?: PublicProgrammeState | "all";
  institutionId?: string;
};

/** One run of the list: the programmes matching the criteria (and this end-date condition), in `sort` order. */
export type Segment = { sort: ProgrammeSort; ends?: "on-or-after-today" | "before-today" };

type Entry = {
  card: ProgrammeCardRow;
  institutionId: string;
  /** ms; -Infinity when never published (sorted last by "newest", as MongoDB sorts null). */
  published: number;
  end: number;
};

const byId = (a: Entry, b: Entry) => (a.card.id < b.card.id ? -1 : a.card.id > b.card.id ? 1 : 0);
const COMPARE: Record<ProgrammeSort, (a: Entry, b: Entry) => number> = {
  newest: (a, b) => b.published - a.published || byId(b, a),
  "ending-first": (a, b) => a.end - b.end || byId(a, b),
  "ending-last": (a, b) => b.end - a.end || byId(a, b),
  "most-needed": (a, b) => b.card.remainingNeed - a.card.remainingNeed || byId(a, b),
};

function toEntry(row: IndexedProgrammeRow): Entry {
  return {
    card: row.card,
    institutionId: row.institutionId,
    published: row.publishedAt ? new Date(row.publishedAt).getTime() : -Infinity,
    end: new Date(row.card.endDate).getTime(),
  };
}

function searchable(entry: Entry) {
  return { id: entry.card.id, title: entry.card.title, institutionName: entry.card.institutionName, provinceName: provinceName(entry.card.provinceSlug) ?? "", summary: entry.card.summary };
}

function newMiniSearch() {
  return new MiniSearch<ReturnType<typeof searchable>>({
    fields: [...FIELDS],
    idField: "id",
    tokenize,
    processTerm,
    searchOptions: {
      combineWith: "AND",
      prefix: true,
      fuzzy: (term) => (term.length >= FUZZY_MIN_LENGTH ? 1 : 0),
      boost: BOOST,
    },
  });
}

export type CatalogueIndexOptions = {
  /**
   * Safety net for writes that never marked a change (made around the services, or lost in a crash
   * between a write and its mark): the index is rebuilt once it is older than this. Default: 100 ×
   * the last full build's duration, at least 2 s (a few seconds on a demo's data, minutes at national
   * scale); Infinity turns it off. A rebuild when the last one took under a second is awaited; a longer one runs in the
   * background while the current index keeps answering.
   */
  maxAgeMs?: number;
  now?: () => number;
};

export type IndexStats = { builds: number; incremental: number; programmes: number; version: number; lastBuildMs: number; lastReadMs: number; programmeReads: number };

/** Searches remembered until the index next changes (paging through one search reuses it). */
const TIER_CACHE_SIZE = 64;

export class CatalogueIndex {
  private entries = new Map<string, Entry>();
  private search = newMiniSearch();
  private sorted = new Map<ProgrammeSort, Entry[]>();
  private tiers = new Map<string, Map<string, number>>();
  private built = false;
  private version = 0;
  private approvedInstitutions = 0;
  private builtAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private background: Promise<void> | null = null;
  private readonly options: { maxAgeMs: number | undefined; now: () => number };
  readonly stats: IndexStats = { builds: 0, incremental: 0, programmes: 0, version: 0, lastBuildMs: 0, lastReadMs: 0, programmeReads: 0 };

  constructor(options: CatalogueIndexOptions = {}) {
    this.options = { maxAgeMs: options.maxAgeMs, now: options.now ?? Date.now };
  }

  /**
   * Brings the index up to the newest change. Every request calls it once: when nothing changed it
   * costs two reads by `_id` (the head, and the change after this index's version: absent).
   * Concurrent calls run one after the other, so no change is applied twice.
   */
  async sync(): Promise<void> {
    await this.enqueue(() => this.catchUp());
  }

  /** Resolves once a background rebuild (if any) and every queued catch-up are done. */
  async idle(): Promise<void> {
    await this.background;
    await this.queue;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private maxAge(): number {
    return this.options.maxAgeMs ?? Math.max(2_000, 100 * this.stats.lastBuildMs);
  }

  private async catchUp(): Promise<void> {
    if (!this.built) return this.install(await this.load(await readCatalogueHead()));
    const [head, first] = await Promise.all([readCatalogueHead(), readCatalogueChange(this.version + 1)]);
    // The head went far back (a database emptied or restored): start again.
    if (head + CHANGE_RING_SIZE < this.version) return this.rebuildSoon(head);
    if (first) {
      const changed = new Set<string>();
      let institutions = false;
      let reached = this.version;
      for (let change: typeof first | null = first; change; change = await readCatalogueChange(reached + 1)) {
        if (change.ids === null || reached - this.version >= CHANGE_RING_SIZE) return this.rebuildSoon(head);
        for (const id of change.ids) changed.add(String(id));
        institutions ||= change.institutions;
        reached = change.v;
      }
      if (changed.size > 0) await this.reread([...changed]);
      if (institutions) this.approvedInstitutions = await countApprovedInstitutions();
      this.version = reached;
      this.stats.incremental += 1;
    } else if (head > this.version) {
      // The next change is gone while the head is past it: this instance is further behind than the ring.
      return this.rebuildSoon(head);
    }
    this.stats.version = this.version;
    if (this.options.now() - this.builtAt > this.maxAge()) return this.rebuildSoon(await readCatalogueHead());
  }

  /**
   * A rebuild of an index that already answers: awaited when the last build was quick (under a
   * second: small data, tests); otherwise loaded in the background, outside the queue, while this
   * index keeps answering (and catching up where it can), then swapped in.
   */
  private async rebuildSoon(head: number): Promise<void> {
    if (this.stats.lastBuildMs < 1_000) return this.install(await this.load(head));
    this.background ??= this.load(head)
      .then((snapshot) => this.enqueue(async () => this.install(snapshot)))
      .catch((error: unknown) => console.warn("catalogue index: background rebuild failed", error))
      .finally(() => (this.background = null));
  }

  /** Re-reads changed programmes by `_id` (one read each, a few at a time) and puts them in or out of the index. */
  private async reread(ids: string[]) {
    const rows: Array<[string, IndexedProgrammeRow | null]> = [];
    for (let i = 0; i < ids.length; i += 8) {
      const batch = ids.slice(i, i + 8);
      rows.push(...(await Promise.all(batch.map(async (id) => [id, await readIndexedProgramme(id)] as [string, IndexedProgrammeRow | null]))));
    }
    this.stats.programmeReads += rows.length;
    for (const [id, row] of rows) {
      if (this.entries.has(id)) {
        this.search.discard(id);
        this.entries.delete(id);
      }
      if (row) {
        const entry = toEntry(row);
        this.entries.set(id, entry);
        this.search.add(searchable(entry));
      }
    }
    this.sorted.clear();
    this.tiers.clear();
    this.stats.programmes = this.entries.size;
  }

  /**
   * A full build from the database. The newest version is found first (the head, then past it while
   * changes exist), then the programmes are read: a change made during the read has a later version
   * and is applied on a following request (re-reading a programme twice is harmless).
   */
  private async load(head: number) {
    const started = performance.now();
    let version = head;
    while (await readCatalogueChange(version + 1)) version += 1;
    const [rows, institutions] = await Promise.all([readAllIndexedProgrammes(), countApprovedInstitutions()]);
    const read = performance.now();
    const entries = new Map<string, Entry>();
    for (const row of rows) {
      const entry = toEntry(row);
      entries.set(entry.card.id, entry);
    }
    const search = newMiniSearch();
    search.addAll([...entries.values()].map(searchable));
    return { version, entries, search, institutions, readMs: read - started, buildMs: performance.now() - started };
  }

  private install(snapshot: Awaited<ReturnType<CatalogueIndex["load"]>>) {
    this.entries = snapshot.entries;
    this.search = snapshot.search;
    this.sorted.clear();
    this.tiers.clear();
    this.version = snapshot.version;
    this.approvedInstitutions = snapshot.institutions;
    this.built = true;
    this.builtAt = this.options.now();
    this.stats.builds += 1;
    this.stats.lastBuildMs = snapshot.buildMs;
    this.stats.lastReadMs = snapshot.readMs;
    this.stats.programmes = snapshot.entries.size;
    this.stats.version = this.version;
  }

  private inOrder(sort: ProgrammeSort): Entry[] {
    let list = this.sorted.get(sort);
    if (!list) {
      list = [...this.entries.values()].sort(COMPARE[sort]);
      this.sorted.set(sort, list);
    }
    return list;
  }

  private matcher(criteria: IndexCriteria, segment: Segment): (entry: Entry) => boolean {
    const today = criteria.today.getTime();
    const state = criteria.state ?? "all";
    return (e) => {
      const card = e.card;
      if (state === "open" && !(card.state === "open" && e.end >= today)) return false;
      if (state === "closed" && !(card.state === "closed" || (card.state === "open" && e.end < today))) return false;
      if (segment.ends === "on-or-after-today" && e.end < today) return false;
      if (segment.ends === "before-today" && e.end >= today) return false;
      if (criteria.provinceSlug && card.provinceSlug !== criteria.provinceSlug) return false;
      if (criteria.institutionType && card.institutionType !== criteria.institutionType) return false;
      if (criteria.theme && !(card.themes as string[]).includes(criteria.theme)) return false;
      if (criteria.campaignDay && !(card.campaignDays as string[]).includes(criteria.campaignDay)) return false;
      if (criteria.institutionId && e.institutionId !== criteria.institutionId) return false;
      return true;
    };
  }

  /** The tier of every programme the text matches (null: no text condition). */
  private textTiers(q: string | undefined): Map<string, number> | null {
    if (!q || q.trim() === "") return null;
    const terms = queryTerms(q);
    const key = terms.join(" ");
    const cached = this.tiers.get(key);
    if (cached) return cached;
    const tiers = new Map<string, number>();
    if (terms.length > 0) for (const result of this.search.search(key)) tiers.set(String(result.id), tierOf(result, terms));
    if (this.tiers.size >= TIER_CACHE_SIZE) this.tiers.delete(this.tiers.keys().next().value!);
    this.tiers.set(key, tiers);
    return tiers;
  }

  /**
   * One page of the list: the segments one after the other, each in its order, text matches by tier
   * first (tier by tier, each tier across all segments), with the exact total. Call sync() first.
   */
  page(criteria: IndexCriteria, segments: Segment[], skip: number, limit: number): { items: ProgrammeCardRow[]; total: number } {
    const tiers = this.textTiers(criteria.q);
    const buckets = new Map<number, Entry[][]>();
    for (const [s, segment] of segments.entries()) {
      const matches = this.matcher(criteria, segment);
      for (const entry of this.inOrder(segment.sort)) {
        if (!matches(entry)) continue;
        const tier = tiers ? tiers.get(entry.card.id) : 0;
        if (tier === undefined) continue;
        let runs = buckets.get(tier);
        if (!runs) buckets.set(tier, (runs = segments.map(() => [])));
        runs[s]!.push(entry);
      }
    }
    const ordered = [...buckets.keys()].sort((a, b) => a - b).flatMap((tier) => buckets.get(tier)!.flat());
    return { items: ordered.slice(skip, skip + Math.max(0, limit)).map((e) => e.card), total: ordered.length };
  }

  /** How many public programmes match (no text): for the institution page's count. */
  count(criteria: IndexCriteria): number {
    const matches = this.matcher(criteria, { sort: "newest" });
    let n = 0;
    for (const entry of this.entries.values()) if (matches(entry)) n += 1;
    return n;
  }

  /** The home page's figures: programmes taking pledges today, their count per province, received across every public programme, approved institutions. */
  figures(today: Date): { open: number; received: number; institutions: number; openByProvince: Map<string, number> } {
    const t = today.getTime();
    let open = 0;
    let received = 0;
    const openByProvince = new Map<string, number>();
    for (const e of this.entries.values()) {
      received += e.card.receivedTotal;
      if (e.card.state === "open" && e.end >= t) {
        open += 1;
        openByProvince.set(e.card.provinceSlug, (openByProvince.get(e.card.provinceSlug) ?? 0) + 1);
      }
    }
    return { open, received, institutions: this.approvedInstitutions, openByProvince };
  }
}

/** This server instance's index (a dev reload starts a new one, which builds itself on its first request). */
export const catalogueIndex = new CatalogueIndex();

/** The instance's index, brought up to the version document first. */
export async function currentCatalogueIndex(): Promise<CatalogueIndex> {
  await flushProgrammeTotals();
  await catalogueIndex.sync();
  return catalogueIndex;
}
