/**
 * The file store's archival and episodic memory (`ArchiveStore`), per user under
 * `<memory dir>/archive/<userId>/` (dirs 0700, files 0600):
 *   `items/<revision, 10 digits>.jsonl`  the `ArchivedItem`s one write removed from the memory
 *                                        file, one JSON line each (written by the store's commit,
 *                                        under the lock, before the revision is committed)
 *   `sessions/<sessionId>.jsonl`         kept sessions: the merged journal, moved here as it is
 *   `index.json`, `epoch`                the search index and its epoch (archive-index.ts)
 * A save writes one small segment (or removes a stale one) whatever the archive's size. Writes go
 * through atomic-write.ts and line-file.ts; sessions are read with the journal reader.
 */
import { link, lstat, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as z from 'zod';
import { MemagentError } from '../../errors.js';
import type { JournalContents } from '../../journal/journal.js';
import { journalLineSchema, decisionSchema, factSchema, type Decision, type Fact, type Memory } from '../../schema.js';
import type { ArchivedItem, Episode, EpisodeSummary, SearchHit, SearchOptions } from '../../recall/types.js';
import type { ArchiveStore, JournalStore } from '../store.js';
import { PLAINTEXT, type FileCipher } from './age-cipher.js';
import { fsyncDir, writeFileAtomic, writeSyncedTemp } from './atomic-write.js';
import { isNotFound } from './codec.js';
import { assertContained, containedDir } from './contained-dir.js';
import { ArchiveIndexes, readArchiveText as readText, type FoldedSegments } from './archive-index.js';
import { readJournal } from './journal-pending.js';
import { rewriteLines, type KeptLines } from './line-file.js';
import { archiveDirFor, historyDirFor, journalDirFor, memoryFileFor } from './paths.js';
import { RevisionConflictError, versionNumbersSync, versionPath } from './versions.js';

const DAY_MS = 86_400_000;

const isoTime = z.string().datetime({ offset: true });
const archivedItemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fact'), item: factSchema, archivedAt: isoTime, revision: z.number().int().positive() }),
  z.object({ type: z.literal('decision'), item: decisionSchema, archivedAt: isoTime, revision: z.number().int().positive() }),
]);

/** What the file archive needs from its store. */
export interface FileArchiveDeps {
  /** The memory dir. */
  dir: string;
  journals: JournalStore;
  /** The user's current memory (the store's truth; revision 0 and no items for a new user). */
  load(userId: string): Promise<Memory>;
  /** Runs `fn` holding the user's memory lock (the one `update` takes). */
  withUserLock<T>(userId: string, fn: () => Promise<T>): Promise<T>;
  now(): Date;
  /** Kept sessions older than this many days are pruned after each `keepSession`; undefined keeps all. */
  retentionDays?: number;
  /** Encryption at rest (age-cipher.ts): segments, kept sessions and the index are sealed with it. Default plaintext. */
  cipher?: FileCipher;
  /**
   * Real time in ms since the epoch, against which file times are judged settled (see
   * archive-index.ts); default `Date.now`. Tests move it ahead instead of waiting a second.
   */
  clock?: () => number;
}

/** The zero-padded name of revision `revision`'s segment. */
function segmentName(revision: number): string {
  return `${String(revision).padStart(10, '0')}.jsonl`;
}

/** The revision a segment file name holds, or null for any other name (temp files, strays). */
function segmentRevision(name: string): number | null {
  const m = /^(\d{10})\.jsonl$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Whether `path` exists (not following a symlink). */
async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
  );
}

/** Names in `dir`; [] when it is missing. */
async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** The archived items of one segment's text, and how many lines were corrupt. Pure. */
export function parseSegment(text: string): { items: ArchivedItem[]; skipped: number } {
  const items: ArchivedItem[] = [];
  let skipped = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    try {
      const parsed = archivedItemSchema.safeParse(JSON.parse(raw));
      if (parsed.success) items.push(parsed.data as ArchivedItem);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { items, skipped };
}

/**
 * Session journal text without the turns `matchTurn` matches, the tool calls whose input or
 * result it matches, and damaged lines whose raw text it matches; the header, `cleared` and
 * `recall` lines (ids only) stay. Pure.
 */
export function scrubSessionText(text: string, matchTurn: (text: string) => boolean): KeptLines {
  const kept: string[] = [];
  let removed = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let haystacks: string[];
    try {
      const parsed = journalLineSchema.safeParse(JSON.parse(raw));
      if (!parsed.success) haystacks = [raw];
      else if (parsed.data.type === 'turn') haystacks = [parsed.data.text];
      else if (parsed.data.type === 'tool') haystacks = [JSON.stringify(parsed.data.input) ?? '', parsed.data.result];
      else haystacks = [];
    } catch {
      haystacks = [raw];
    }
    if (haystacks.some((h) => h !== '' && matchTurn(h))) removed++;
    else kept.push(raw);
  }
  return { kept: kept.map((l) => `${l}\n`).join(''), removed };
}

/** `contents` of the kept session `sessionId` of `userId` as an `Episode`. Pure. */
function episodeOf(userId: string, sessionId: string, contents: JournalContents): Episode {
  const episode: Episode = {
    sessionId,
    userId,
    startedAt: contents.header?.startedAt ?? contents.turns[0]?.at ?? new Date(0).toISOString(),
    model: contents.header?.model ?? '',
    turns: contents.turns,
  };
  if (contents.recalls) episode.recalls = contents.recalls.map((r) => ({ beforeTurn: r.beforeTurn, ids: r.ids, tokens: r.tokens }));
  if (contents.tools) {
    episode.tools = contents.tools.map((t) => ({ afterTurn: t.afterTurn, name: t.name, input: t.input, result: t.result, isError: t.isError }));
  }
  return episode;
}

/** When a session id made by `newSessionId` says it started (`20261120T232129Z-…`), or null. */
function startOfSessionId(sessionId: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(sessionId);
  if (!m) return null;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(t) ? null : new Date(t);
}

/** The first line of `text`, whitespace collapsed, cut to `max` chars with an ellipsis. Pure. */
function firstLineOf(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * The `ArchiveStore` of a file store. Reads take no lock; segments are written by the store's
 * commit (`writeSegment`) under the user's lock; `forget` takes that lock. The search index is
 * loaded once per instance and user, caught up with what is newer at each search (one directory
 * listing of segments and of sessions, and the memory file's items when its revision moved),
 * unless nothing it reads changed since the last catch-up (`watched`; a few lstat calls).
 */
export class FileArchive implements ArchiveStore {
  /** Archive subdirs already created and checked to stay inside the memory dir. */
  private readonly contained = new Set<string>();
  private readonly indexes: ArchiveIndexes;

  private readonly cipher: FileCipher;

  constructor(private readonly deps: FileArchiveDeps) {
    this.cipher = deps.cipher ?? PLAINTEXT;
    this.indexes = new ArchiveIndexes({
      cipher: this.cipher,
      dirOf: (userId) => this.dirOf(userId),
      ensureDir: (userId) => this.containedSub(userId, ''),
      load: (userId) => this.deps.load(userId),
      fold: (userId, upTo, after) => this.fold(userId, upTo, after),
      segment: async (userId, revision) => {
        // A segment damaged or undecryptable since it was indexed: its items are left out, like its lines.
        const text = await readText(join(this.dirOf(userId), 'items', segmentName(revision)), this.cipher).catch(() => null);
        return text === null ? [] : parseSegment(text).items;
      },
      sessionIds: (userId) => this.sessionIds(userId),
      readSession: (userId, sessionId) => this.readSession(userId, sessionId),
      watched: (userId) => this.watched(userId),
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  }

  /**
   * Everything a catch-up of `userId`'s index reads, as paths: the memory file and the newest
   * history version (together the truth `load` returns: see versions.ts), `items/`, `sessions/`
   * (their names; segments and kept sessions are never changed in place except by `forget`,
   * which changes the epoch) and `epoch`. Found synchronously: one short listing of the history
   * dir. Null when that listing fails (then every search catches up).
   */
  private watched(userId: string): string[] | null {
    const root = this.dirOf(userId);
    const history = historyDirFor(this.deps.dir, userId);
    let newest: number | undefined;
    try {
      [newest] = versionNumbersSync(history);
    } catch {
      return null;
    }
    return [
      memoryFileFor(this.deps.dir, userId),
      ...(newest === undefined ? [] : [versionPath(history, newest)]),
      join(root, 'items'),
      join(root, 'sessions'),
      join(root, 'epoch'),
    ];
  }

  private dirOf(userId: string): string {
    return archiveDirFor(this.deps.dir, userId);
  }

  /** `archive/<userId>/<sub>`, created (0700) and checked once per instance to stay inside the memory dir. */
  private async containedSub(userId: string, sub: 'items' | 'sessions' | ''): Promise<string> {
    const path = sub === '' ? this.dirOf(userId) : join(this.dirOf(userId), sub);
    if (!this.contained.has(path)) {
      // Checked before mkdir too: creating it through a planted symlink would already write outside.
      await assertContained(this.deps.dir, path);
      await containedDir(this.deps.dir, path);
      this.contained.add(path);
    }
    return path;
  }

  /**
   * Sets revision `revision`'s segment to `items`: written as a synced temp file then hard-linked
   * into place when there are any, removed otherwise (a segment left by a write of that revision
   * that never landed must not be read as this one's). Never replaces the segment of a committed
   * revision: a writer that lost its lock (paused past the stale time while another committed
   * `revision`) gets RevisionConflictError and writes nothing, so the other's archived items stay.
   * Call under the user's lock, after `revision` is chosen and before it is committed, for every
   * commit: a crash in between leaves a segment above the memory's revision, which reads ignore
   * and the next write of that revision replaces. Its cost does not depend on the archive's size.
   * @throws RevisionConflictError when `revision` is committed already; the fs error (the commit
   *   must then not happen).
   */
  async writeSegment(userId: string, revision: number, items: readonly ArchivedItem[]): Promise<void> {
    const path = join(this.dirOf(userId), 'items', segmentName(revision));
    if (items.length === 0) {
      if (!(await exists(path))) return;
      await this.assertUncommitted(userId, revision);
      await rm(path, { force: true });
      return;
    }
    const dir = await this.containedSub(userId, 'items');
    const target = join(dir, segmentName(revision));
    const { tmp } = await writeSyncedTemp(target, this.cipher.seal(items.map((i) => `${JSON.stringify(i)}\n`).join('')), 0o600);
    try {
      // link(2), not rename(2): a committed revision's segment is never replaced by a stale writer.
      await link(tmp, target).catch(async (err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        await this.assertUncommitted(userId, revision);
        // A leftover of a write of this revision that never landed: replaced by this one.
        await rename(tmp, target);
      });
      await fsyncDir(dir);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** @throws RevisionConflictError when `revision` of `userId` is committed (its history version exists, or the memory is at or past it). */
  private async assertUncommitted(userId: string, revision: number): Promise<void> {
    const committed = (await exists(versionPath(historyDirFor(this.deps.dir, userId), revision))) || (await this.deps.load(userId)).revision >= revision;
    if (committed) throw new RevisionConflictError(memoryFileFor(this.deps.dir, userId), revision);
  }

  /**
   * Every archived item, last state per id (a later segment's wins), oldest archived first,
   * without the items the memory file holds again (an undo brought them back: the file's state
   * is theirs). Segments above the memory's revision (writes that never landed) are ignored.
   * Corrupt lines, and segments that cannot be read or decrypted (one each), are skipped and
   * counted in `skipped`. Takes no lock.
   * @throws MemoryFileError for an unreadable memory; the fs error.
   */
  async items(userId: string): Promise<{ items: ArchivedItem[]; skipped: number }> {
    const memory = await this.deps.load(userId);
    const { byId, skipped } = await this.fold(userId, memory.revision);
    const inFile = new Set([...memory.facts.map((f) => f.id), ...memory.decisions.map((d) => d.id)]);
    return { items: [...byId.values()].filter((a) => !inFile.has(a.item.id)), skipped };
  }

  /** Every landed segment folded by id (insertion order: first archived first), with the segment revision of each id's state. */
  private async fold(userId: string, upTo: number, after = 0): Promise<FoldedSegments> {
    const dir = join(this.dirOf(userId), 'items');
    const revisions = (await namesIn(dir))
      .map(segmentRevision)
      .filter((r): r is number => r !== null && r > after && r <= upTo)
      .sort((a, b) => a - b);
    const byId = new Map<string, ArchivedItem>();
    const from = new Map<string, number>();
    let skipped = 0;
    for (const r of revisions) {
      let text: string | null;
      try {
        text = await readText(join(dir, segmentName(r)), this.cipher);
      } catch {
        // One segment that cannot be read or decrypted (damaged, another key, not a file) is
        // skipped and counted like a corrupt line: it never makes the whole archive unreadable.
        skipped++;
        continue;
      }
      if (text === null) continue;
      const parsed = parseSegment(text);
      skipped += parsed.skipped;
      for (const a of parsed.items) {
        byId.delete(a.item.id); // re-inserted: the order is that of the last archiving
        byId.set(a.item.id, a);
        from.set(a.item.id, r);
      }
    }
    return { byId, from, skipped, top: revisions.at(-1) ?? after };
  }

  /**
   * Moves the merged journal `journalRef` of `userId` to `sessions/<sessionId>.jsonl` (a hard
   * link then the journal's removal, so the same file: the journal format as it is, recall and
   * tool lines included; a copy then a delete across file systems), durably. Idempotent: when that session is kept already, or the journal is
   * gone, the journal is only retired. Then prunes sessions past the retention, and brings this
   * instance's search index up to date when it is loaded (index.json is rewritten once
   * PERSIST_AFTER_SESSIONS sessions are unsaved: never a cost that grows with the archive at every exit).
   * @throws MemagentError for a reference outside `userId`'s journal dir; the fs error (the
   *   journal is then left pending).
   */
  async keepSession(userId: string, journalRef: string): Promise<void> {
    const journalDir = resolve(journalDirFor(this.deps.dir, userId));
    if (resolve(dirname(journalRef)) !== journalDir || !journalRef.endsWith('.jsonl')) {
      throw new MemagentError(`${journalRef} is not a journal of ${userId}; not kept`);
    }
    const sessionId = basename(journalRef, '.jsonl');
    const dir = await this.containedSub(userId, 'sessions');
    const target = join(dir, `${sessionId}.jsonl`);
    // link(2), not rename(2): it never replaces a session kept already (EEXIST), even by another
    // process between a check and the move; the journal's name is then removed by `retire`.
    let linked = false;
    try {
      await link(journalRef, target);
      linked = true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EXDEV') {
        const text = await readText(journalRef, this.cipher);
        if (text !== null && !(await exists(target))) {
          await writeFileAtomic(target, this.cipher.seal(text), { mode: 0o600 });
          linked = true;
        }
      } else if (code !== 'EEXIST' && code !== 'ENOENT') {
        throw err; // ENOENT: kept or retired by another process; EEXIST: kept already
      }
    }
    if (linked) await fsyncDir(dir);
    // Removes the journal's name (the kept session's stays), and its lock dir.
    await this.deps.journals.retire(journalRef);
    await fsyncDir(journalDir);
    if (this.deps.retentionDays !== undefined) {
      await this.prune(userId, new Date(this.deps.now().getTime() - this.deps.retentionDays * DAY_MS));
    }
    // A store that searched (a REPL's recall) catches up now; the file is written once enough is unsaved.
    await this.indexes.refreshIfLoaded(userId);
  }

  /** The kept sessions of `userId`, oldest first (by start, then id); unreadable ones left out. Takes no lock. */
  async sessions(userId: string): Promise<EpisodeSummary[]> {
    const out: EpisodeSummary[] = [];
    for (const sessionId of await this.sessionIds(userId)) {
      const episode = await this.readSession(userId, sessionId).catch(() => null);
      if (episode === null) continue;
      const users = episode.turns.filter((t) => t.role === 'user');
      out.push({
        sessionId,
        startedAt: episode.startedAt,
        endedAt: episode.turns.at(-1)?.at ?? episode.startedAt,
        turns: users.length,
        firstLine: firstLineOf(users[0]?.text ?? '', 80),
      });
    }
    return out.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
  }

  /** Ids of the kept sessions (file names), unsorted. */
  private async sessionIds(userId: string): Promise<string[]> {
    const names = await namesIn(join(this.dirOf(userId), 'sessions'));
    return names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).map((n) => n.slice(0, -'.jsonl'.length));
  }

  /**
   * The kept session `sessionId`, or null when it is not kept (or is not a file memagent wrote:
   * a symlink, another user's journal). Damaged lines are skipped. Takes no lock.
   */
  async readSession(userId: string, sessionId: string): Promise<Episode | null> {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(sessionId)) return null;
    const path = join(this.dirOf(userId), 'sessions', `${sessionId}.jsonl`);
    await assertContained(this.deps.dir, path);
    try {
      return episodeOf(userId, sessionId, await readJournal(path, userId, this.cipher));
    } catch (err) {
      if (err instanceof MemagentError) return null; // gone, or set aside: not a session memagent kept
      throw err;
    }
  }

  /**
   * BM25 search over the memory file's facts and decisions, archived items and kept sessions'
   * turns (see `ArchiveStore.search`). The first search of an instance loads `index.json` (or
   * rebuilds it from the archive when it is missing, corrupt, of another format, or older than
   * the last `forget`); each search then catches up with what is newer, or skips that when
   * nothing it reads changed since the last catch-up (see `watched`). Takes no lock.
   */
  search(userId: string, query: string, opts: SearchOptions): Promise<SearchHit[]> {
    return this.indexes.search(userId, query, opts);
  }

  /**
   * Removes the kept sessions of `userId` that started before `before` (their start from the
   * session id when `newSessionId` made it, else from the header). Returns how many. Idempotent.
   */
  async prune(userId: string, before: Date): Promise<number> {
    const dir = join(this.dirOf(userId), 'sessions');
    let removed = 0;
    for (const sessionId of await this.sessionIds(userId)) {
      let start = startOfSessionId(sessionId);
      if (start === null) {
        const episode = await this.readSession(userId, sessionId).catch(() => null);
        if (episode === null) continue;
        start = new Date(episode.startedAt);
      }
      if (start.getTime() >= before.getTime()) continue;
      await rm(join(dir, `${sessionId}.jsonl`), { force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Under the user's lock, hard-deletes the archived items `matchItem` matches (every segment
   * rewritten atomically without them; a corrupt line goes when `matchTurn` matches its raw
   * text), and from every kept session the turns `matchTurn` matches (and tool calls whose
   * input or result it matches), then drops the search index (file and this instance's copy),
   * changes the epoch, so no index built before is used again, and rebuilds it from what is left.
   * A segment or session that cannot be read, decrypted or rewritten is left as it is and its
   * path listed in `unsearched` (the caller names it rather than claim it clean); the others are
   * still scrubbed and the index still rebuilt. Returns how many items and session lines were
   * removed, and those paths (`unsearched`, only when there are any). Idempotent.
   */
  async forget(
    userId: string,
    matchItem: (item: Fact | Decision) => boolean,
    matchTurn: (text: string) => boolean,
  ): Promise<{ items: number; turns: number; unsearched?: string[] }> {
    const root = this.dirOf(userId);
    return this.deps.withUserLock(userId, async () => {
      await assertContained(this.deps.dir, root);
      let items = 0;
      let turns = 0;
      const unsearched: string[] = [];
      /** `rewriteLines` of one file; 0 and the path in `unsearched` when it fails. */
      const scrubOne = async (path: string, keep: (text: string) => KeptLines): Promise<number> => {
        try {
          return await rewriteLines(path, keep, this.cipher);
        } catch {
          unsearched.push(path);
          return 0;
        }
      };
      const itemsDir = join(root, 'items');
      for (const name of await namesIn(itemsDir)) {
        if (segmentRevision(name) === null) continue;
        items += await scrubOne(join(itemsDir, name), (text) => {
          const kept: string[] = [];
          let removed = 0;
          for (const raw of text.split('\n')) {
            if (raw.trim() === '') continue;
            const parsed = parseSegment(raw).items[0];
            if (parsed === undefined ? matchTurn(raw) : matchItem(parsed.item)) removed++;
            else kept.push(raw);
          }
          return { kept: kept.map((l) => `${l}\n`).join(''), removed };
        });
      }
      const sessionsDir = join(root, 'sessions');
      for (const sessionId of await this.sessionIds(userId)) {
        const path = join(sessionsDir, `${sessionId}.jsonl`);
        const info = await lstat(path).catch(() => null);
        if (!info?.isFile()) continue;
        turns += await scrubOne(path, (text) => scrubSessionText(text, matchTurn));
      }
      await this.indexes.reset(userId);
      // Named only when there is one: a clean sweep reports just its counts.
      return unsearched.length > 0 ? { items, turns, unsearched } : { items, turns };
    });
  }

  /** Forgets this instance's copy of `userId`'s index (after `forgetAll` removed the dir). */
  dropIndex(userId: string): void {
    this.indexes.drop(userId);
  }
}
