// Previous commands, recalled with the arrow keys like a shell; kept in localStorage across reloads.

const HISTORY_LIMIT = 100;

export class CommandHistory {
  private entries: string[];
  private cursor: number; // entries.length means "the line being typed"
  private draft = "";

  constructor(
    entries: string[] = [],
    private readonly limit = HISTORY_LIMIT,
  ) {
    this.entries = entries.slice(-limit);
    this.cursor = this.entries.length;
  }

  get all(): readonly string[] {
    return this.entries;
  }

  /** Records a command that ran; a repeat of the last one is not stored twice. */
  push(command: string): void {
    const text = command.trim();
    if (text && this.entries[this.entries.length - 1] !== text) {
      this.entries.push(text);
      if (this.entries.length > this.limit) this.entries.shift();
    }
    this.reset();
  }

  /** Arrow up: the previous command, or null at the oldest. `current` is kept as the draft to come back to. */
  previous(current: string): string | null {
    if (this.cursor === this.entries.length) this.draft = current;
    if (this.cursor === 0) return null;
    this.cursor -= 1;
    return this.entries[this.cursor];
  }

  /** Arrow down: the next command, the draft after the newest, or null when already on the draft. */
  next(): string | null {
    if (this.cursor >= this.entries.length) return null;
    this.cursor += 1;
    return this.cursor === this.entries.length ? this.draft : this.entries[this.cursor];
  }

  reset(): void {
    this.cursor = this.entries.length;
    this.draft = "";
  }
}

const STORAGE_KEY = "mltrace.commandHistory";

export function loadHistory(storage: Pick<Storage, "getItem"> | undefined): string[] {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    const value: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return []; // a corrupt entry must not break the bar
  }
}

export function saveHistory(storage: Pick<Storage, "setItem"> | undefined, entries: readonly string[]): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(entries));
  } catch {
    // private mode or a full quota: history simply does not persist
  }
}
