// Structured logs: one JSON object per line ({time, level, msg, ...fields}) to stderr, or to a sink
// given by the embedder (tests capture them).
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LogRecord {
  time: string;
  level: Exclude<Level, 'silent'>;
  msg: string;
  [field: string]: unknown;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  enabled(level: Level): boolean;
}

export function isLevel(s: string): s is Level {
  return s in RANK;
}

const stderrSink: LogSink = (r) => {
  process.stderr.write(JSON.stringify(r) + '\n');
};

export function createLogger(opts: { level?: Level; sink?: LogSink; fields?: Record<string, unknown> } = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const sink = opts.sink ?? stderrSink;
  const base = opts.fields ?? {};
  const emit = (level: Exclude<Level, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < min) return;
    const rec: LogRecord = { time: new Date().toISOString(), level, msg, ...base, ...fields };
    try {
      sink(rec);
    } catch {
      /* a failing sink never takes the node down */
    }
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger({ level: opts.level, sink, fields: { ...base, ...fields } }),
    enabled: (level) => RANK[level] >= min,
  };
}
