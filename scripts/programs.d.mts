// Types of programs.mjs for the TypeScript test helpers that import it.
export interface Program {
  name: string;
  pkg: string;
  env: string;
  locate(): string | null;
  instead?: string;
}
export type ProgramKey = 'chromium' | 'firefox' | 'nats' | 'postgres';
export const PROGRAMS: Record<ProgramKey, Program>;
export const GROUPS: Record<'browsers' | 'server', ProgramKey[]>;
export function locate(key: ProgramKey): string;
