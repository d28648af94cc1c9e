// Constants injected by build.mjs (esbuild `define`).
declare const __TARGET__: 'chrome' | 'firefox';
declare const __VERSION__: string;
declare const __DEV__: boolean;
// Stylesheets imported by extension pages are emitted by esbuild next to the bundle.
declare module '*.css';
