/**
 * The file archive's search index, per user: `archive/<userId>/index.json` (a watermark line,
 * then `SearchIndex.toJSON()`) and the `epoch` token a `forget` changes. Loaded once per store
 * instance and user, caught up at each search with what is newer than its watermark (segments,
 * the memory file's items, kept sessions), rebuilt from the archive when missing, damaged, of
 * another format or older than the last forget. A search whose watched paths (`Marks`) are as
 * the last catch-up found them, settled, skips its catch-up: a few synchronous lstat calls instead
 * of a read of the memory file and the epoch. Uses only `SearchIndex`'s public API.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { lstat, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Memory } from '../../schema.js';
import { SearchIndex, docsFromArchive, docsFromEpisode, docsFromMemory } from '../../recall/search-index.js';
import type { ArchivedItem, Episode, SearchHit, SearchOptions } from '../../recall/types.js';
import { PLAINTEXT, type FileCipher } from './age-cipher.js';
import { writeFileAtomic } from './atomic-write.js';
import { isNotFound } from './codec.js';

/** Bumped when the watermark's shape changes: an index.json of another format is rebuilt. */
const INDEX_FORMAT = 1;

/**
 * Once this many sessions or archived items are indexed but not yet in index.json, it is
 * written again. Writing it costs its whole size (about 18 MB and 1 s at 1,000 sessions on the
 * 2-core CI class, bench/archive.mjs); catching up 5 sessions on a cold load costs a few ms.
 */
const PERSIST_AFTER_SESSIONS = 5;
const PERSIST_AFTER_ITEMS = 200;

/** What the index covers: everything up to these marks, under this `epoch`. */
interface Watermark {
  format: number;
  epoch: string;
  /** Every segment with a revision up to this is indexed. */
  items: number;
  /** The memory revision whose facts and decisions are indexed (-1: none). */
  memory: number;
  /** Id → a hash of the indexed document, for each of those facts and decisions: only changed ones are re-indexed. */
  memoryDocs: Record<string, string>;
  /** Archived item id → the segment revision of the state indexed for it. */
  archived: Record<string, number>;
  /** Kept session id → turns indexed. */
  sessions: Record<string, number>;
}

interface IndexState {
  index: SearchIndex;
  mark: Watermark;
  /** Sessions and archived items indexed since index.json was read or written. */
  unsaved: { sessions: number; items: number };
  /** The last listing of `items/` (with the memory revision it was read for) and of `sessions/`. */
  listed: { items?: Listing & { revision: number }; sessions?: Listing };
  /** What the watched paths were just before the last whole catch-up (see `Marks`); unset while one runs or after one failed. */
  marks?: Marks;
}

/** When a directory was listed, and its mtime then. */
interface Listing {
  mtimeMs: number;
  at: number;
}

/**
 * A directory whose mtime is unchanged since a listing made at least this long after that mtime
 * has not changed since (a later change stamps a later mtime): its listing is skipped. Listings
 * closer to the mtime than this are redone, since file systems stamp times at a coarse tick.
 */
const SETTLED_MS = 1000;

/**
 * The identity of every path a catch-up reads (`IndexSource.watched`) at one moment, taken
 * synchronously: each path with its inode, size, mtime and ctime ('-' when missing). Files and
 * dirs of the archive are only ever replaced by a rename or changed by adding or removing names,
 * and either stamps a new ctime on the file or dir (a rename gives a new inode as well; `utimes`
 * can put an mtime back, never a ctime). So when the marks are equal to marks taken at least
 * SETTLED_MS after the newest time in them, nothing a catch-up reads has changed since.
 */
export interface Marks {
  /** When they were taken (ms since the epoch, before the first lstat). */
  at: number;
  /** One line per watched path: `path ino size mtimeMs ctimeMs`, or `path -`. */
  ids: string;
  /** The newest mtime or ctime among them (ms since the epoch; -Infinity when none exists). */
  newest: number;
}

/**
 * The marks of `paths` at `at` (see `Marks`), or null when one cannot be told apart from a change
 * made without a new time: a symlink (its target may be replaced under it) or a path lstat fails
 * on for another reason than its absence. Synchronous on purpose: a handful of lstat calls costs
 * microseconds, an await of each through libuv's thread pool a hundred times that, and more on a
 * busy machine (measured: bench/entries/recall-search.ts).
 */
export function marksOf(paths: readonly string[], at: number): Marks | null {
  const ids: string[] = [];
  let newest = -Infinity;
  for (const path of paths) {
    let info;
    try {
      info = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return null;
    }
    if (info === undefined) {
      ids.push(`${path} -`);
      continue;
    }
    if (info.isSymbolicLink()) return null;
    ids.push(`${path} ${info.ino} ${info.size} ${info.mtimeMs} ${info.ctimeMs}`);
    newest = Math.max(newest, info.mtimeMs, info.ctimeMs);
  }
  return { at, ids: ids.join('\n'), newest };
}

/**
 * Whether nothing watched changed between `before` and `now`: the same paths with the same
 * identities, and `before` taken at least `settledMs` after the newest time in it (file systems
 * stamp times at a coarse tick, so a change in the same tick as `before`'s newest time could
 * carry that same time). Pure.
 */
export function unchangedSince(before: Marks, now: Marks, settledMs = SETTLED_MS): boolean {
  return before.ids === now.ids && before.at - before.newest >= settledMs;
}

/** Landed segments folded by item id: each id's last state, and the segment it came from. */
export interface FoldedSegments {
  byId: Map<string, ArchivedItem>;
  from: Map<string, number>;
  skipped: number;
  /** The highest segment revision read (`after` when none). */
  top: number;
}

/** What the index reads the archive through (the file archive, archive.ts). */
export interface IndexSource {
  /** `archive/<userId>` (need not exist). */
  dirOf(userId: string): string;
  /** `archive/<userId>`, created (0700) and checked to stay inside the memory dir. */
  ensureDir(userId: string): Promise<string>;
  /** The user's current memory. */
  load(userId: string): Promise<Memory>;
  /** Segments with a revision in (`after`, `upTo`], folded. */
  fold(userId: string, upTo: number, after: number): Promise<FoldedSegments>;
  /** The items of one segment ([] when it is gone). */
  segment(userId: string, revision: number): Promise<ArchivedItem[]>;
  /** Ids of the kept sessions. */
  sessionIds(userId: string): Promise<string[]>;
  readSession(userId: string, sessionId: string): Promise<Episode | null>;
  /**
   * The paths whose identities (`Marks`) cover everything a catch-up of `userId` reads, found
   * synchronously: when none of them changed since a catch-up, a search skips the next one.
   * Without it, or when it returns null, every search catches up. @throws like `load` for an invalid id.
   */
  watched?(userId: string): string[] | null;
  /** Real time in ms since the epoch, for the settled rules (`SETTLED_MS`). Default `Date.now`. */
  clock?(): number;
  /** Encryption at rest (age-cipher.ts): index.json is sealed with it. Default plaintext. */
  cipher?: FileCipher;
}

/** The text of `path` (decrypted with `cipher` when an age file), or null when it is missing. The one raw read of archive files. */
export async function readArchiveText(path: string, cipher: FileCipher = PLAINTEXT): Promise<string | null> {
  try {
    return cipher.open(path, await readFile(path)).toString('utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** FNV-1a of `text`, 8 hex digits: tells an indexed document from a changed one. Pure. */
function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The search indexes of one store instance, one per user, kept current from `source`. */
export class ArchiveIndexes {
  private readonly states = new Map<string, IndexState>();

  constructor(private readonly source: IndexSource) {}

  /** Real time (ms), for the settled rules. */
  private now(): number {
    return this.source.clock?.() ?? Date.now();
  }

  /**
   * Hits for `query` (see `ArchiveStore.search`): the index loaded or rebuilt on first use, then
   * caught up. [] for a query with no word (nothing loaded) or a user with nothing to search.
   */
  async search(userId: string, query: string, opts: SearchOptions): Promise<SearchHit[]> {
    if (!/[\p{L}\p{N}]/u.test(query)) return [];
    const state = await this.ready(userId);
    return state === null ? [] : state.index.search(query, opts);
  }

  /** Catches `userId`'s index up when this instance has it loaded (a REPL that searched); else nothing. */
  async refreshIfLoaded(userId: string): Promise<void> {
    if (this.states.has(userId)) await this.ready(userId);
  }

  /**
   * After a forget (caller holds the user's lock): this instance's copy and index.json go, the
   * epoch changes (so no copy another process built before is used or written again), and the
   * index is rebuilt from what is left, now rather than at the next search.
   */
  async reset(userId: string): Promise<void> {
    this.states.delete(userId);
    const root = this.source.dirOf(userId);
    // A user with no archive dir has no index either: nothing to make stale, no dir to create.
    const hasDir = await lstat(root).then(
      () => true,
      (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
    );
    if (hasDir) await writeFileAtomic(join(await this.source.ensureDir(userId), 'epoch'), randomBytes(8).toString('hex'), { mode: 0o600 });
    await rm(join(root, 'index.json'), { force: true });
    await this.ready(userId);
  }

  /** Forgets this instance's copy of `userId`'s index (after `forgetAll` removed the dir). */
  drop(userId: string): void {
    this.states.delete(userId);
  }

  /** The epoch token of `userId`'s archive ('' before any forget). */
  private async epochOf(userId: string): Promise<string> {
    return ((await readArchiveText(join(this.source.dirOf(userId), 'epoch'))) ?? '').trim();
  }

  /**
   * This instance's index of `userId`, loaded or rebuilt on first use (or when a forget changed
   * the epoch meanwhile), caught up, and persisted after a rebuild or once enough is unsaved.
   * Null when the user has nothing at all to search.
   */
  private async ready(userId: string): Promise<IndexState | null> {
    // Nothing a catch-up reads changed since the last one: it would find nothing (see `Marks`).
    const paths = this.source.watched?.(userId);
    const marks = paths === undefined || paths === null ? null : marksOf(paths, this.now());
    const known = this.states.get(userId);
    if (known?.marks !== undefined && marks !== null && unchangedSince(known.marks, marks)) return known.index.size === 0 ? null : known;
    if (known !== undefined) known.marks = undefined;
    const epoch = await this.epochOf(userId);
    let state = known;
    let fresh = false;
    if (state === undefined || state.mark.epoch !== epoch) {
      state = (await this.loadPersisted(userId, epoch)) ?? undefined;
      if (state === undefined) {
        fresh = true;
        state = {
          index: SearchIndex.create(),
          mark: { format: INDEX_FORMAT, epoch, items: 0, memory: -1, memoryDocs: {}, archived: {}, sessions: {} },
          unsaved: { sessions: 0, items: 0 },
          listed: {},
        };
      }
      this.states.set(userId, state);
    }
    const work = await this.catchUp(userId, state);
    state.unsaved.sessions += work.sessions;
    state.unsaved.items += work.items;
    const enough = state.unsaved.sessions >= PERSIST_AFTER_SESSIONS || state.unsaved.items >= PERSIST_AFTER_ITEMS;
    if (enough || (fresh && work.sessions + work.items > 0)) await this.persist(userId, state);
    // Taken before this catch-up read anything: a change made while it ran shows in the next marks.
    if (marks !== null) state.marks = marks;
    return state.index.size === 0 ? null : state;
  }

  /** `index.json` if it is whole, of this format and of `epoch`; else null (rebuild). */
  private async loadPersisted(userId: string, epoch: string): Promise<IndexState | null> {
    const text = await readArchiveText(join(this.source.dirOf(userId), 'index.json'), this.source.cipher).catch(() => null);
    if (text === null) return null;
    try {
      const cut = text.indexOf('\n');
      const mark = JSON.parse(text.slice(0, cut)) as Watermark;
      if (mark.format !== INDEX_FORMAT || mark.epoch !== epoch) return null;
      return { index: SearchIndex.fromJSON(text.slice(cut + 1)), mark, unsaved: { sessions: 0, items: 0 }, listed: {} };
    } catch {
      return null; // corrupt or another version: rebuilt from the archive
    }
  }

  /**
   * Writes the index atomically, unless a forget changed the epoch since it was built (then this
   * copy is dropped: it may hold what was forgotten).
   */
  private async persist(userId: string, state: IndexState): Promise<void> {
    if ((await this.epochOf(userId)) !== state.mark.epoch) {
      this.states.delete(userId);
      return;
    }
    const dir = await this.source.ensureDir(userId);
    await writeFileAtomic(join(dir, 'index.json'), (this.source.cipher ?? PLAINTEXT).seal(`${JSON.stringify(state.mark)}\n${state.index.toJSON()}`), { mode: 0o600 });
    state.unsaved = { sessions: 0, items: 0 };
  }

  /**
   * Brings `state` up to date: segments above its mark (up to the memory's revision), the
   * memory file's items when its revision moved (ids that left the file fall back to their
   * archived state, or leave the index), and sessions kept or removed since. Returns how many
   * sessions and archived items it indexed.
   */
  private async catchUp(userId: string, state: IndexState): Promise<{ sessions: number; items: number }> {
    const { index, mark } = state;
    const memory = await this.source.load(userId);
    let items = 0;
    const root = this.source.dirOf(userId);
    // One stat instead of a listing of up to thousands of names, when nothing changed.
    const itemsNow = await this.unchanged(join(root, 'items'), state.listed.items);
    const skipItems = itemsNow.same && state.listed.items?.revision === memory.revision;
    const folded = skipItems ? { byId: new Map<string, ArchivedItem>(), from: new Map<string, number>(), skipped: 0, top: mark.items } : await this.source.fold(userId, memory.revision, mark.items);
    if (!skipItems) state.listed.items = { ...itemsNow.listing, revision: memory.revision };
    if (folded.byId.size > 0) {
      index.add(docsFromArchive([...folded.byId.values()]));
      for (const [id, r] of folded.from) mark.archived[id] = r;
      items += folded.byId.size;
    }
    mark.items = Math.max(mark.items, folded.top);
    if (memory.revision !== mark.memory || folded.byId.size > 0) {
      const docs = docsFromMemory(memory);
      const hashes: Record<string, string> = {};
      for (const doc of docs) hashes[doc.id] = hashOf(JSON.stringify(doc));
      // Left the file: archived by this catch-up's segments (indexed above, as archived), or not.
      const left = Object.keys(mark.memoryDocs).filter((id) => hashes[id] === undefined && !folded.byId.has(id));
      index.remove(left);
      // What left the file without being archived now (an undo, a purge) falls back to its archived state, if any.
      const back = left.filter((id) => mark.archived[id] !== undefined);
      if (back.length > 0) index.add(docsFromArchive(await this.archivedStates(userId, back, mark.archived)));
      // A save changes a few items of the file: only those are indexed again (and any an archived
      // state just replaced in the index).
      index.add(docs.filter((doc) => mark.memoryDocs[doc.id] !== hashes[doc.id] || folded.byId.has(doc.id)));
      mark.memory = memory.revision;
      mark.memoryDocs = hashes;
    }
    let sessions = 0;
    const sessionsNow = await this.unchanged(join(root, 'sessions'), state.listed.sessions);
    if (sessionsNow.same) return { sessions, items };
    const onDisk = new Set(await this.source.sessionIds(userId));
    state.listed.sessions = sessionsNow.listing;
    for (const [sessionId, count] of Object.entries(mark.sessions)) {
      if (onDisk.has(sessionId)) continue;
      index.remove(Array.from({ length: count }, (_, n) => `${sessionId}:${n}`));
      delete mark.sessions[sessionId];
    }
    for (const sessionId of onDisk) {
      if (mark.sessions[sessionId] !== undefined) continue;
      const episode = await this.source.readSession(userId, sessionId).catch(() => null);
      if (episode === null) continue;
      index.add(docsFromEpisode(episode));
      mark.sessions[sessionId] = episode.turns.length;
      sessions++;
    }
    return { sessions, items };
  }

  /**
   * Whether `dir` is as `last` listed it (see SETTLED_MS), and the listing to record if it is
   * listed now (taken before the listing, so a change during it is seen next time).
   */
  private async unchanged(dir: string, last: Listing | undefined): Promise<{ same: boolean; listing: Listing }> {
    const at = this.now();
    const mtimeMs = await stat(dir).then(
      (info) => info.mtimeMs,
      (err: unknown) => (isNotFound(err) ? -1 : Promise.reject(err)),
    );
    const same = last !== undefined && last.mtimeMs === mtimeMs && last.at - mtimeMs >= SETTLED_MS;
    return { same, listing: { mtimeMs, at } };
  }

  /** The archived state of each of `ids`, read from the one segment the mark says holds it. */
  private async archivedStates(userId: string, ids: string[], from: Record<string, number>): Promise<ArchivedItem[]> {
    const byRevision = new Map<number, Set<string>>();
    for (const id of ids) {
      const r = from[id];
      const set = byRevision.get(r) ?? new Set<string>();
      set.add(id);
      byRevision.set(r, set);
    }
    const out: ArchivedItem[] = [];
    for (const [r, wanted] of byRevision) {
      const found = new Map((await this.source.segment(userId, r)).filter((a) => wanted.has(a.item.id)).map((a) => [a.item.id, a]));
      out.push(...found.values());
    }
    return out;
  }
}
