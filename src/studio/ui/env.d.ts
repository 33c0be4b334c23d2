/** Ambient declarations for the UI build: CSS side-effect imports handled by Vite. */
declare module '*.css';
